"""Action and view ids: the contract between the cards the bot posts and the listeners in ``handlers``."""

UNDO = "crm_undo"
# A card's Delete: the delete_record intent for that record (confirmed in Slack's own dialog first).
DELETE = "crm_delete"
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
# Starts a merge from the list of duplicates (answers beside the list, which stays; numeric suffix).
MERGE = "crm_merge"
# Yes to a quota's new currency: the quota again, confirmed (its value: person, amount, currency, period).
QUOTA_CURRENCY = "crm_quota_currency"
# Previous / Next on a long list (crm_page_0, crm_page_1): the list's request again, at another page.
PAGE = "crm_page"

INTENT_MODAL = "crm_intent_modal"

# The team's pipelines (handlers/pipelines.py): where a removed stage's deals go (suffixed, one per
# stage offered), the stage form's button and the form itself.
STAGE_REMOVE_TO = "stages_remove_to"
# Where a removed pipeline's deals go: one button per stage of another pipeline.
PIPELINE_REMOVE_TO = "pipelines_remove_to"
STAGE_FORM = "stages_form_open"
# A Remove button on a line of /crm report subscriptions (its value: the subscription id).
REPORT_SUB_REMOVE = "report_sub_remove"
STAGE_MODAL = "stages_form"
# Shortcuts (manifest.yml): global ones open a form for a new record, message ones read the message first.
NEW_CONTACT = "crm_new_contact"
NEW_DEAL = "crm_new_deal"
NEW_TASK = "crm_new_task"
LOG_INTERACTION = "crm_log_interaction"
LOG_MESSAGE = "crm_log_message"
TASK_FROM_MESSAGE = "crm_task_from_message"
# The same forms from a button (App Home); its value names the intent.
OPEN_FORM = "crm_open_form"
# The checkbox of a form opened on a message: say in its thread that it was logged.
THREAD_NOTE = "crm_thread_note"
