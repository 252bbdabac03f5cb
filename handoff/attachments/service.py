"""Photos and files: what they are (by their bytes, never their name), re-encoded, stored, read back.

An upload is trusted only after :func:`prepare`:

- its type is read from the first bytes (JPEG, PNG, GIF, WebP, PDF); anything
  else (a PHP script named .jpg, SVG, HTML, HEIC) is refused;
- an image's size in pixels is checked from its header before it is decoded
  (a decompression bomb never reaches memory), then it is decoded, turned
  upright, scaled to ``max_image_side`` and encoded again as JPEG (PNG when
  it is transparent): nothing of the original file survives, so neither does
  its EXIF (the phone's location) nor anything hidden after the image data;
- a PDF is kept as sent and only ever served as a download.

Files live in ``uploads_dir/<2 chars>/<id>`` (and ``<id>.thumb.jpg``), outside
every static folder; routes serve them after their own access check.
"""

import hashlib
import io
import os
import secrets
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from handoff.attachments.models import Attachment
from handoff.core.errors import DeskError, NotFound, TooLarge, Unsupported
from handoff.core.settings import Settings

THUMB_SIDE = 320
ALLOWED = "只能发送 JPG、PNG、GIF、WEBP 格式的图片或 PDF 文件"
IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (among those accepted), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def too_large_message(settings: Settings) -> str:
    return f"文件太大：最多 {settings.max_upload_bytes // (1024 * 1024)} MB"


def clean_name(name: str, content_type: str) -> str:
    """The sender's file name, for display only: no folders, no control characters, bounded."""
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")[:100]
    if not name:
        name = "文件.pdf" if content_type == "application/pdf" else "图片"
    return name


@dataclass
class Prepared:
    """An upload checked and written to disk, not yet in SQL."""

    id: str
    kind: str
    content_type: str
    name: str
    size_bytes: int
    width: int | None
    height: int | None
    sha256: str
    paths: list[Path]

    def discard(self) -> None:
        for path in self.paths:
            path.unlink(missing_ok=True)


def _encode_image(data: bytes, settings: Settings) -> tuple[bytes, bytes, str, int, int]:
    """(image, thumbnail, content type, width, height): decoded and encoded again, metadata dropped."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in IMAGE_FORMATS:
                    raise Unsupported(ALLOWED, "unsupported_type")
                width, height = img.size
                if width * height > settings.max_image_pixels:
                    raise Unsupported(f"图片尺寸太大（{width}×{height} 像素），请截图或压缩后再发送", "image_too_large")
                img.seek(0)  # an animation: its first frame
                img.load()
                upright = ImageOps.exif_transpose(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Unsupported("图片尺寸太大，请截图或压缩后再发送", "image_too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Unsupported("图片已损坏，无法打开，请重新拍照或截图后发送", "broken_image") from None
    transparent = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    picture = upright.convert("RGBA" if transparent else "RGB")
    picture.info = {}  # no EXIF, ICC profile or text chunks are written
    picture.thumbnail((settings.max_image_side, settings.max_image_side))
    out = io.BytesIO()
    if transparent:
        picture.save(out, "PNG", optimize=True)
    else:
        picture.save(out, "JPEG", quality=85, optimize=True)
    thumb = picture.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    if transparent:  # on white, as the chat shows it
        flat = Image.new("RGB", thumb.size, "white")
        flat.paste(thumb, mask=thumb.getchannel("A"))
        thumb = flat
    small = io.BytesIO()
    thumb.save(small, "JPEG", quality=80)
    return (out.getvalue(), small.getvalue(), "image/png" if transparent else "image/jpeg",
            picture.width, picture.height)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)


def path_of(settings: Settings, attachment_id: str, thumb: bool = False) -> Path:
    return settings.uploads_dir / attachment_id[:2] / (attachment_id + (".thumb.jpg" if thumb else ""))


def prepare(settings: Settings, *, data: bytes, name: str) -> Prepared:
    """Check an upload and write it (re-encoded) to disk; raises a DeskError in Chinese when refused.
    CPU work: call it in a thread."""
    if len(data) > settings.max_upload_bytes:
        raise TooLarge(too_large_message(settings), "too_large")
    if not data:
        raise DeskError("文件是空的", "empty_file")
    content_type = sniff(data)
    if content_type is None:
        raise Unsupported(ALLOWED, "unsupported_type")
    attachment_id = secrets.token_urlsafe(16)
    main = path_of(settings, attachment_id)
    if content_type == "application/pdf":
        _write(main, data)
        return Prepared(attachment_id, "pdf", content_type, clean_name(name, content_type), len(data), None, None,
                        hashlib.sha256(data).hexdigest(), [main])
    image, thumb, content_type, width, height = _encode_image(data, settings)
    small = path_of(settings, attachment_id, thumb=True)
    _write(main, image)
    _write(small, thumb)
    return Prepared(attachment_id, "image", content_type, clean_name(name, content_type), len(image), width, height,
                    hashlib.sha256(image).hexdigest(), [main, small])


def add(db: Session, *, prepared: Prepared, conversation_id: str, uploaded_by: str, now: datetime,
        agent_id: int | None = None) -> Attachment:
    """The prepared upload's row (not committed)."""
    attachment = Attachment(
        id=prepared.id, conversation_id=conversation_id, kind=prepared.kind, content_type=prepared.content_type,
        name=prepared.name, size_bytes=prepared.size_bytes, width=prepared.width, height=prepared.height,
        sha256=prepared.sha256, uploaded_by=uploaded_by, agent_id=agent_id, created_at=now)
    db.add(attachment)
    return attachment


def message_text(prepared: Prepared) -> str:
    """What the transcript (and any text-only channel) shows in place of the attachment."""
    return "[图片]" if prepared.kind == "image" else f"[文件] {prepared.name}"


def get(db: Session, *, attachment_id: str, conversation_id: str | None = None) -> Attachment:
    """An attachment; with ``conversation_id``, only one of that conversation (404 otherwise)."""
    attachment = db.get(Attachment, attachment_id)
    if attachment is None or (conversation_id is not None and attachment.conversation_id != conversation_id):
        raise NotFound("文件不存在", "attachment_not_found")
    return attachment


def file_of(settings: Settings, attachment: Attachment, *, thumb: bool) -> tuple[Path, str]:
    """The file to serve and its content type (a PDF has no thumbnail: the PDF itself)."""
    if thumb and attachment.kind == "image":
        return path_of(settings, attachment.id, thumb=True), "image/jpeg"
    return path_of(settings, attachment.id), attachment.content_type
