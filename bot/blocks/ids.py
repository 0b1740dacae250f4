"""Action and view ids: the contract between the cards the bot posts and the listeners in ``handlers``."""

UNDO = "crm_undo"
TASK_DONE = "crm_task_done"
DEAL_ADVANCE = "crm_deal_advance"
LOG_FOLLOW_UP = "crm_log_follow_up"
ADD_FOLLOW_UP = "crm_add_follow_up"
EDIT = "crm_edit"
CONFIRM = "crm_confirm"
CANCEL = "crm_cancel"
# Buttons in one actions block need distinct ids: these carry a numeric suffix (crm_pick_0, …).
PICK = "crm_pick"
USE_EXISTING = "crm_use_existing"
CREATE_ANYWAY = "crm_create_anyway"
CREATE_THEN = "crm_create_then"
SHOW_CONTACT = "crm_show_contact"
SHOW_DEAL = "crm_show_deal"
SHOW_COMPANY = "crm_show_company"
# Previous / Next on a long list (crm_page_0, crm_page_1): the list's request again, at another page.
PAGE = "crm_page"

INTENT_MODAL = "crm_intent_modal"
