"""The deployed engine: Amazon Textract DetectDocumentText on the image bytes (synchronous, up to 10 MB).
Its WORD blocks become tokens; the register rule is shared with the offline engine."""

from __future__ import annotations

from functools import cache
from typing import Any

from urbaneta.adapters.ocr import Token
from urbaneta.errors import ServiceUnavailable, ValidationFailed
from urbaneta.settings import get_settings


@cache
def _client() -> Any:
    settings = get_settings()
    if settings.textract_region and settings.textract_region != settings.region:
        import boto3

        return boto3.session.Session().client("textract", region_name=settings.textract_region)
    from urbaneta.adapters.aws import client

    return client("textract")


def tokens_of(response: dict[str, Any]) -> list[Token]:
    """WORD blocks of a DetectDocumentText answer as tokens (Textract's confidence is 0..100)."""
    tokens: list[Token] = []
    for block in response.get("Blocks", []):
        if block.get("BlockType") != "WORD" or not block.get("Text"):
            continue
        box = (block.get("Geometry") or {}).get("BoundingBox") or {}
        left, top = float(box.get("Left", 0.0)), float(box.get("Top", 0.0))
        tokens.append(Token(text=str(block["Text"]), confidence=float(block.get("Confidence", 0.0)) / 100,
                            left=left, top=top, right=left + float(box.get("Width", 0.0)),
                            bottom=top + float(box.get("Height", 0.0))))
    return tokens


class TextractEngine:
    name = "textract"

    def read(self, image: bytes) -> list[Token]:
        textract = _client()
        try:
            response = textract.detect_document_text(Document={"Bytes": image})
        except (textract.exceptions.UnsupportedDocumentException,
                textract.exceptions.BadDocumentException) as exc:
            raise ValidationFailed.one("image", "the image could not be decoded") from exc
        except (textract.exceptions.ThrottlingException,
                textract.exceptions.ProvisionedThroughputExceededException) as exc:
            raise ServiceUnavailable("The text recognition service is busy; try again.") from exc
        return tokens_of(response)
