"""The Bolt app factory: one app, the intent specs installed, every listener module registered, services
injected.

``create_app`` is what the server, the tests and the local console build. Pass ``sessions``, ``clock``
and ``client`` to run it against another database, a hand-moved clock or a stand-in Web API.
"""

from __future__ import annotations

import importlib
import logging
import weakref
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot import intents
from bot.clock import Clock
from bot.runtime import Services, build_services
from bot.settings import Settings
from bot.slack.client import make_client
from bot.slack.middleware import make_actor, make_dedupe

log = logging.getLogger(__name__)

# One module per Slack surface, each with register(app). All of them are needed: one that cannot be
# imported stops the start (a bot missing its buttons or its forms would fail a person later, silently).
HANDLER_MODULES = (
    "handlers.errors",
    "handlers.commands",
    "handlers.messages",
    "handlers.actions",
    "handlers.views",
    "handlers.home",
    "handlers.shortcuts",
    "handlers.options",
    "handlers.proactive",
    "handlers.install",
    "handlers.webhooks",
    "handlers.report_subscriptions",
    "handlers.pipelines",
    "handlers.fields",
    "handlers.imports",
)
# Only for the local console and tests, where no request comes from Slack; HTTP mode needs the real one.
PLACEHOLDER_SECRET = "local-placeholder-signing-secret"


def create_app(
    settings: Settings,
    *,
    sessions: sessionmaker[Session] | None = None,
    clock: Clock | None = None,
    client: WebClient | None = None,
    services: Services | None = None,
    listener_executor: Executor | None = None,
) -> App:
    """The Bolt app. ``listener_executor`` runs the work after each ack (lazy listeners); the default is
    a pool of 8 threads."""
    # Before anything is built: a listener module that is not there stops the start here.
    modules = listeners()
    intents.install()
    services = services or build_services(settings, sessions=sessions, clock=clock)
    client = client or make_client(settings)
    app = App(
        # Bolt names its logger after the file that builds the app, found by inspect.stack(), which
        # reads the source of every frame on the stack: tens of milliseconds each time an app is built.
        name="app.py",
        client=client,
        **_oauth(settings, services, client),
        signing_secret=settings.signing_secret or PLACEHOLDER_SECRET,
        # Signatures are checked whenever a secret is configured: always in HTTP mode.
        request_verification_enabled=bool(settings.signing_secret),
        # Listeners only ack; the work runs in lazy listeners after it. Acking from the dispatching
        # thread answers Slack in well under a millisecond instead of a thread-pool hop.
        process_before_response=True,
        token_verification_enabled=False,
        ignoring_self_events_enabled=True,
        raise_error_for_unhandled_request=False,
        listener_executor=listener_executor
        or ThreadPoolExecutor(max_workers=8, thread_name_prefix="crm-work"),
    )
    # The person first (a read): if the database is down, nothing has been claimed yet and Slack's
    # retry of the event will be acted on. The claim is the last step before the listener.
    app.use(make_actor(services))
    app.use(make_dedupe(services))
    for module in modules:
        module.register(app)
    _SERVICES[app] = services
    return app


def _oauth(settings: Settings, services: Services, client: WebClient) -> dict[str, Any]:
    """OAuth mode: Bolt's install flow and a per-workspace authorize over the CRM's database; the
    installation store is kept for the uninstall listeners (handlers/install.py)."""
    if not settings.oauth:
        return {}
    from bot.slack import oauth

    engine = oauth.engine_of(services.sessions, services.engine)
    flow = oauth.oauth_flow(settings, services.sessions, engine, client)
    store = flow.settings.installation_store
    services.extras["installation_store"] = store
    return {
        "oauth_flow": flow,
        "authorize": oauth.authorize(settings, store, client),
        "installation_store_bot_only": True,
    }


_SERVICES: weakref.WeakKeyDictionary[App, Services] = weakref.WeakKeyDictionary()


def services_of(app: App) -> Services:
    """The services an app was built with (the console and tests reach the database through them)."""
    return _SERVICES[app]


def listeners() -> list[Any]:
    """The modules of :data:`HANDLER_MODULES`; one that cannot be imported, or has no ``register``, stops
    the start with one line saying which and why."""
    modules = []
    for name in HANDLER_MODULES:
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            why = " ".join(f"{type(exc).__name__}: {exc}".split())
            raise SystemExit(f"Cannot start: listener module {name} could not be imported ({why}).") from exc
        if not callable(getattr(module, "register", None)):
            raise SystemExit(f"Cannot start: listener module {name} has no register(app).")
        modules.append(module)
    return modules


__all__ = ["HANDLER_MODULES", "Services", "build_services", "create_app", "listeners", "services_of"]
