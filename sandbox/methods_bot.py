"""Emulated bot-level methods: identity, updates, webhooks, commands, chat info."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sandbox.errors import ApiError, bad_request
from sandbox.models import FakeChat

if TYPE_CHECKING:
    from sandbox.core import Core, Handler

MAX_COMMANDS = 100
ADMIN_RIGHTS = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info",
                "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
                "can_pin_messages",
                # Not in the bundled 10.1 spec, but Bot API 10.3 (aiogram 3.31) requires it.
                "can_send_welcome_messages")


async def get_me(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """getMe."""
    return {**core.world.bot_user(), "can_join_groups": True,
            "can_read_all_group_messages": True, "supports_inline_queries": False,
            "can_connect_to_business": False, "has_main_web_app": False}


async def get_updates(core: Core, params: dict[str, Any]) -> list[dict[str, Any]]:
    """getUpdates: confirm by offset, then long-poll up to `timeout` seconds."""
    if core.webhook.url:
        raise ApiError(409, "can't use getUpdates method while webhook is active; "
                            "use deleteWebhook to delete the webhook first")
    core.queue.set_allowed(params.get("allowed_updates"))
    core.queue.confirm(params.get("offset", 0))
    return await core.queue.long_poll(params.get("limit", 100), params.get("timeout", 0))


async def set_webhook(core: Core, params: dict[str, Any]) -> bool:
    """setWebhook (an empty url removes the webhook, as on Telegram)."""
    if "certificate" in params:
        raise bad_request("sandbox: parameter 'certificate' is not emulated")
    if params.get("drop_pending_updates"):
        core.queue.clear()
    core.queue.set_allowed(params.get("allowed_updates"))
    if not params["url"]:
        core.webhook.clear()
        return True
    core.webhook.set(params["url"], params.get("secret_token"), params.get("max_connections"),
                     params.get("ip_address"))
    core.queue.interrupt_polls("terminated by setWebhook request")
    return True


async def delete_webhook(core: Core, params: dict[str, Any]) -> bool:
    """deleteWebhook."""
    if params.get("drop_pending_updates"):
        core.queue.clear()
    core.webhook.clear()
    return True


async def get_webhook_info(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """getWebhookInfo."""
    return core.webhook.info()


def commands_key(scope: dict[str, Any] | None, language_code: str = "") -> tuple[str, str]:
    """How command lists are keyed: by scope and language, like Telegram."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code


def _commands_key(core: Core, params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope")
    if scope and "chat_id" in scope:
        # @username and numeric ids of one chat must address the same command list.
        scope = {**scope, "chat_id": core.world.chat(scope["chat_id"]).id}
    return commands_key(scope, params.get("language_code", ""))


async def set_my_commands(core: Core, params: dict[str, Any]) -> bool:
    """setMyCommands, stored per scope and language like Telegram."""
    if len(params["commands"]) > MAX_COMMANDS:
        raise bad_request(f"setMyCommands: at most {MAX_COMMANDS} commands are allowed")
    core.commands[_commands_key(core, params)] = params["commands"]
    return True


async def delete_my_commands(core: Core, params: dict[str, Any]) -> bool:
    """deleteMyCommands."""
    core.commands.pop(_commands_key(core, params), None)
    return True


async def get_my_commands(core: Core, params: dict[str, Any]) -> list[dict[str, Any]]:
    """getMyCommands for exactly the given scope and language."""
    return core.commands.get(_commands_key(core, params), [])


async def get_chat(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """getChat (a ChatFullInfo with the fields every chat has)."""
    chat = core.world.chat(params["chat_id"])
    return {**chat.to_dict(), "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                    "unique_gifts": False, "premium_subscription": False,
                                    "gifts_from_channels": False}}


def _member(core: Core, chat: FakeChat, user_id: int) -> dict[str, Any]:
    if user_id == core.bot_id:
        admin = chat.bot_is_admin and chat.type != "private"
        return _with_rights("administrator" if admin else "member", core.world.bot_user())
    user = core.world.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    if user_id in chat.admins:
        return _with_rights("administrator", user.to_dict())
    status = "member" if user_id in chat.members else "left"
    return {"status": status, "user": user.to_dict()}


def _with_rights(status: str, user: dict[str, Any]) -> dict[str, Any]:
    if status != "administrator":
        return {"status": status, "user": user}
    rights = dict.fromkeys(ADMIN_RIGHTS, True)
    return {"status": status, "user": user, "can_be_edited": False, "is_anonymous": False,
            **rights}


async def get_chat_member(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """getChatMember: administrator/member/left for the bot and known users."""
    chat = core.world.chat(params["chat_id"])
    return _member(core, chat, params["user_id"])


async def close(core: Core, params: dict[str, Any]) -> bool:
    """close (nothing to release in the sandbox)."""
    return True


async def log_out(core: Core, params: dict[str, Any]) -> bool:
    """logOut."""
    return True


BOT_METHODS: dict[str, Handler] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "deleteMyCommands": delete_my_commands,
    "getMyCommands": get_my_commands,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "close": close,
    "logOut": log_out,
}
