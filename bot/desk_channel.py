"""The desk's channel: one HTTP call per customer message, answering the bot's
replies and what NLU understood of the message together.

With Rasa's REST channel the desk needed a second call per turn (the tracker,
for the NLU result), whose cost grew with the conversation. Here the message
is parsed first and handed to Rasa with its parse (``UserMessage.parse_data``:
the processor does not parse it again), and both come back in one answer.

    POST /webhooks/desk/webhook   {"sender", "message", "metadata"}
                                  Authorization: Bearer <DESK_SERVICE_TOKEN>
    -> {"replies": [{"text", "buttons"?, ...}], "nlu": {"intent", "entities", "sentiment", ...}}

Registered in credentials.yml. Turns of one conversation still go through
Rasa's lock store (``on_new_message``), like the REST channel's.
"""

import logging
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.service_auth import ServiceChannel

logger = logging.getLogger(__name__)


class DeskChannel(ServiceChannel):
    @classmethod
    def name(cls) -> Text:
        return "desk"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("desk_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if not self.authorised(request):
                return response.json({"detail": "令牌无效"}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not sender or not isinstance(text, str):
                return response.json({"detail": "需要 sender 和 message"}, status=400)
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
            agent = request.app.ctx.agent
            if agent is None or not agent.is_ready():
                return response.json({"detail": "模型未加载"}, status=503)
            parse = await agent.processor.parse_message(UserMessage(text))
            collector = CollectingOutputChannel()
            await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                             metadata=metadata, parse_data=parse))
            return response.json({"replies": collector.messages, "nlu": parse})

        return hook
