"""Images and files made in the tests, each standing for something a customer (or an attacker) sends."""

import io
import zlib
import struct

from PIL import ExifTags, Image


def jpeg_with_location(width: int = 40, height: int = 20) -> bytes:
    """A phone photo: EXIF with GPS (the customer's home) and "rotate 90°" orientation."""
    img = Image.new("RGB", (width, height), (200, 30, 30))
    exif = img.getexif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "TestPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 50.0)
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(width: int = 30, height: int = 30, transparent: bool = False) -> bytes:
    img = Image.new("RGBA" if transparent else "RGB", (width, height),
                    (0, 120, 255, 0) if transparent else (0, 120, 255))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def decompression_bomb(side: int = 30_000) -> bytes:
    """A real PNG of side×side black pixels (900 million) that compresses to about 100 KB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit per pixel, greyscale
    row = b"\x00" * (1 + side // 8 + 1)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


PHP_AS_JPG = b"<?php system($_GET['cmd']); ?>\n"
SVG_WITH_SCRIPT = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
                   b'<script>fetch("/api/console/queue")</script><rect width="10" height="10"/></svg>')
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
