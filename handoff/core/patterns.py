"""The formats of the shop's identifiers, in one place.

Standard library only: the action server imports it too (actions/identity.py).
"""

import re

# As a customer may type them (full-width or lower-case letters are folded
# by NFKC and upper() before the strict check).
ORDER_ID_FORMAT = r"[DdＤｄ]{2}\d{12}"
PHONE_FORMAT = r"1[3-9]\d{9}"  # a mainland mobile number

# A whole value, normalised.
ORDER_ID = re.compile(r"^DD\d{12}$")
PHONE = re.compile(rf"^{PHONE_FORMAT}$")

# Inside running text.
ORDER_ID_IN_TEXT = re.compile(rf"(?<![A-Za-z0-9]){ORDER_ID_FORMAT}(?!\d)")
PHONE_IN_TEXT = re.compile(rf"(?<!\d){PHONE_FORMAT}(?!\d)")
