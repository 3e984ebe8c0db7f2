"""Pictures beside Slack answers (the ego network): drawn off the event loop, uploaded with files_upload_v2.

Answers are private until shared, and a file cannot be: the picture of an answer goes to the asker's direct
message with briefbot, and to the channel once the answer is shared there. Needs the `files:write` scope.
"""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.answer import Attachment

log = logging.getLogger(__name__)


async def upload_picture(
    client: AsyncWebClient, picture: Attachment, *, comment: str, channel: str | None = None, user_id: str = ""
) -> bool:
    """Upload an answer's picture to a channel (or, with channel None, the user's direct message); log failures."""
    try:
        data = await asyncio.to_thread(picture.render)
        if channel is None:
            opened = await client.conversations_open(users=user_id)
            channel = str((opened.get("channel") or {}).get("id") or "")
        await client.files_upload_v2(
            channel=channel,
            file=data,
            filename=picture.filename,
            title=picture.description[:250],
            alt_txt=picture.description[:1000],
            initial_comment=comment,
        )
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else "unknown"
        hint = " (the app needs the files:write scope: see README, section Slack)" if error == "missing_scope" else ""
        log.warning("slack: could not upload %s: %s%s", picture.filename, error, hint)
        return False
    except Exception:  # the text answer is complete without the picture
        log.exception("slack: could not draw or upload %s", picture.filename)
        return False
    return True
