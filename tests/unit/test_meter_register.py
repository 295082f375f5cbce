"""Picking the register out of OCR words (both engines), image types by bytes, Textract's answer, colour break."""

from __future__ import annotations

from decimal import Decimal

import pytest

from urbaneta.adapters.ocr import JPEG, PNG, Token, image_size, image_type
from urbaneta.adapters.ocr.register import Unreadable, find_register, full_text
from urbaneta.adapters.ocr.textract import tokens_of


def word(text: str, left: float, top: float, height: float, *, width: float | None = None,
         confidence: float = 0.99) -> Token:
    return Token(text=text, confidence=confidence, left=left, top=top,
                 right=left + (width if width is not None else 0.03 * len(text)), bottom=top + height)


def test_the_tallest_number_is_the_register_not_the_serial():
    # Given a dial: label, big register, small serial and unit
    tokens = [word("WATER", 0.4, 0.1, 0.05), word("00123", 0.2, 0.4, 0.15, width=0.3),
              word("98765432", 0.3, 0.7, 0.06), word("m³", 0.75, 0.45, 0.05)]
    # When the register is picked / Then it is the drums, leading zeros dropped
    reg = find_register(tokens)
    assert reg.value == Decimal(123) and reg.digits == "00123"


def test_a_serial_is_ignored_even_when_it_is_the_tallest():
    # Given a serial printed large, labelled in the same word or by the word before it
    for serial in ([word("S/N98765432", 0.1, 0.1, 0.2)],
                   [word("No.", 0.05, 0.1, 0.2, width=0.05), word("98765432", 0.11, 0.1, 0.2)]):
        tokens = [*serial, word("004711", 0.2, 0.5, 0.12)]
        # Then the register is still the drums
        assert find_register(tokens).value == Decimal(4711)


def test_decimals_from_a_separator_or_the_word_beside():
    # A separator inside the word, with a unit stuck to it
    assert find_register([word("01234,567m3", 0.1, 0.4, 0.1)]).value == Decimal("1234.567")
    # The red drums read as a separate word right beside the integers
    register = word("00123", 0.1, 0.4, 0.1, width=0.25)
    decimals = word("45", 0.36, 0.41, 0.09, width=0.1, confidence=0.8)
    reg = find_register([register, decimals, word("2019", 0.36, 0.8, 0.04)])
    assert reg.value == Decimal("123.45") and reg.confidence == 0.8 and reg.digits == "00123.45"
    # A number far to the right, or on another line, is not the decimals
    far = word("45", 0.8, 0.41, 0.09)
    below = word("45", 0.36, 0.7, 0.09)
    assert find_register([register, far, below]).value == Decimal(123)


def test_rates_words_and_short_numbers_are_no_register():
    # Given only a nominal flow, a DN size, a year-like short number and words
    tokens = [word("Q3 2.5 m3/h", 0.1, 0.1, 0.2), word("DN15", 0.1, 0.4, 0.2), word("123", 0.1, 0.6, 0.3),
              word("WATER", 0.1, 0.8, 0.3)]
    # Then nothing is a register
    with pytest.raises(Unreadable):
        find_register(tokens)


def test_lookalike_letters_are_read_as_digits():
    assert find_register([word("0O12l5", 0.1, 0.1, 0.2)]).value == Decimal(1215)


def test_an_unsure_register_is_unreadable():
    with pytest.raises(Unreadable):
        find_register([word("001234", 0.1, 0.1, 0.2, confidence=0.4)])
    with pytest.raises(Unreadable):
        find_register([])


def test_full_text_reads_lines_top_to_bottom():
    tokens = [word("456", 0.5, 0.41, 0.1), word("WATER", 0.3, 0.1, 0.05), word("00123", 0.1, 0.4, 0.1)]
    assert full_text(tokens) == "WATER 00123 456"


def test_image_type_is_judged_by_bytes():
    assert image_type(b"\xff\xd8\xff\xe0rest") == JPEG
    assert image_type(b"\x89PNG\r\n\x1a\nrest") == PNG
    assert image_type(b"GIF89a") is None and image_type(b"") is None


def test_textract_words_become_tokens():
    # Given a DetectDocumentText answer with a page, a line and two words
    response = {"Blocks": [
        {"BlockType": "PAGE", "Geometry": {"BoundingBox": {"Left": 0, "Top": 0, "Width": 1, "Height": 1}}},
        {"BlockType": "LINE", "Text": "00123 456"},
        {"BlockType": "WORD", "Text": "00123", "Confidence": 99.1,
         "Geometry": {"BoundingBox": {"Left": 0.2, "Top": 0.4, "Width": 0.3, "Height": 0.15}}},
        {"BlockType": "WORD", "Text": "456", "Confidence": 97.0,
         "Geometry": {"BoundingBox": {"Left": 0.52, "Top": 0.41, "Width": 0.15, "Height": 0.14}}},
        {"BlockType": "WORD", "Text": "S/N", "Confidence": 99.0,
         "Geometry": {"BoundingBox": {"Left": 0.2, "Top": 0.7, "Width": 0.05, "Height": 0.05}}},
        {"BlockType": "WORD", "Text": "98765432", "Confidence": 99.0,
         "Geometry": {"BoundingBox": {"Left": 0.26, "Top": 0.7, "Width": 0.2, "Height": 0.05}}},
    ]}
    # When they become tokens and the register is picked
    tokens = tokens_of(response)
    # Then the words keep their boxes and confidences, and the register is 123.456
    assert [t.text for t in tokens] == ["00123", "456", "S/N", "98765432"]
    assert tokens[0].confidence == pytest.approx(0.991) and tokens[0].right == pytest.approx(0.5)
    assert find_register(tokens).value == Decimal("123.456")


def test_colour_break_splits_dark_and_red_digits():
    # Given pixels of a word: three dark glyphs, then two red ones, on white
    import numpy as np

    from urbaneta.adapters.ocr.rapid import split_at_colour_break

    pixels = np.full((20, 60, 3), 255, dtype=np.uint8)
    for i, colour in enumerate([(0, 0, 0)] * 3 + [(0, 0, 200)] * 2):  # BGR: red is (0, 0, 200)
        pixels[4:16, 4 + i * 11: 4 + i * 11 + 7] = colour
    # When the word "12345" is split
    parts = split_at_colour_break(pixels, 0, 0, 60, 20, "12345")
    # Then the dark digits and the red digits become two words, in order
    assert [p[0] for p in parts] == ["123", "45"]
    assert parts[0][2] == parts[1][1] and 0 < parts[0][2] < 60
    # And an all-dark word, or a word with letters, stays whole
    dark = np.full((20, 60, 3), 255, dtype=np.uint8)
    dark[4:16, 4:50] = 0
    assert [p[0] for p in split_at_colour_break(dark, 0, 0, 60, 20, "12345")] == ["12345"]
    assert [p[0] for p in split_at_colour_break(pixels, 0, 0, 60, 20, "S/N12")] == ["S/N12"]


def test_image_size_is_read_from_the_headers_without_decoding():
    # Given a PNG header and a JPEG with an APP0 segment before its frame header
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") + (400).to_bytes(4, "big")
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc2\x00\x11\x08" + (2000).to_bytes(2, "big") + (3000).to_bytes(2, "big") + b"\x03" + b"\x00" * 9
    jpeg = b"\xff\xd8" + app0 + sof + b"\xff\xda"
    # Then width and height come out; broken headers give None
    assert image_size(png) == (640, 400)
    assert image_size(jpeg) == (3000, 2000)
    assert image_size(b"\xff\xd8" + app0 + b"\xff\xda\x00\x08") is None
    assert image_size(b"\xff\xd8garbage") is None and image_size(b"GIF89a") is None
