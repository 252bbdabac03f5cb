"""Photos and files in chat: sent as the raw request body (``Content-Type`` is ignored: the desk reads
the bytes), the file name in ``X-File-Name`` (percent-encoded UTF-8), and read back after an access check:
the customer with their conversation's chat token, an agent with their log-in."""

from typing import Literal
from urllib.parse import quote, unquote

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from handoff.agents.deps import current_agent
from handoff.agents.models import Agent
from handoff.attachments import service
from handoff.attachments.models import Attachment
from handoff.console import flows as console
from handoff.conversations import flows
from handoff.conversations import service as conversations
from handoff.conversations.schemas import ConsoleMessageOut, SentMessage
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.core.errors import NotFound
from handoff.core.limits import client_ip

chat = APIRouter(prefix="/api/chat", tags=["web chat"])
console_router = APIRouter(prefix="/api/console", tags=["agent console"], dependencies=[Depends(current_agent)])

Size = Literal["full", "thumb"]


def _file_response(desk: Desk, attachment: Attachment, size: Size) -> FileResponse:
    path, content_type = service.file_of(desk.settings, attachment, thumb=size == "thumb")
    if not path.is_file():
        raise NotFound("文件已不存在", "attachment_gone")
    disposition = "attachment" if attachment.kind == "pdf" else "inline"
    return FileResponse(path, media_type=content_type, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(attachment.name)}",
        "X-Content-Type-Options": "nosniff",
        # Opened directly, nothing in it runs with the desk's origin.
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
        "Cache-Control": "private, max-age=86400",
    })


@chat.post("/conversations/{conv_id}/attachments", response_model=SentMessage, status_code=201)
async def send_attachment(conv_id: str, request: Request, x_chat_token: str | None = Header(default=None),
                          x_file_name: str = Header(default="", max_length=600),
                          x_client_id: str | None = Header(default=None, max_length=64),
                          desk: Desk = Depends(get_desk)):
    """A photo (JPG, PNG, GIF, WEBP) or a PDF from the customer, as the body (up to ``max_upload_bytes``)."""
    message, replies = await flows.handle_customer_attachment(
        desk, conv_id=conv_id, data=await request.body(), name=unquote(x_file_name), client_id=x_client_id,
        web=flows.WebClient(ip=client_ip(request), token=x_chat_token))
    return SentMessage(message=message, replies=replies)


@chat.get("/conversations/{conv_id}/attachments/{attachment_id}")
def customer_file(conv_id: str, attachment_id: str, size: Size = "full",
                  x_chat_token: str | None = Header(default=None), db: Session = Depends(get_db),
                  desk: Desk = Depends(get_desk)):
    """A photo or file of the customer's own conversation (their chat token)."""
    conversations.authorize(db, conv_id=conv_id, token=x_chat_token)
    return _file_response(desk, service.get(db, attachment_id=attachment_id, conversation_id=conv_id), size)


@console_router.post("/conversations/{conv_id}/attachments", response_model=ConsoleMessageOut, status_code=201)
async def agent_attachment(conv_id: str, request: Request, x_file_name: str = Header(default="", max_length=600),
                           agent: Agent = Depends(current_agent), desk: Desk = Depends(get_desk)):
    """A photo or a PDF from the agent holding the conversation, to the customer."""
    return await console.send_attachment(desk, conv_id=conv_id, agent_id=agent.id, data=await request.body(),
                                         name=unquote(x_file_name))


@console_router.get("/attachments/{attachment_id}")
def agent_file(attachment_id: str, size: Size = "full", db: Session = Depends(get_db),
               desk: Desk = Depends(get_desk)):
    """Any conversation's photo or file, for a logged-in agent."""
    return _file_response(desk, service.get(db, attachment_id=attachment_id), size)
