"""Mask secrets by value: credentials inside URIs (user-info, key/token/signature query parameters)."""

from __future__ import annotations

import re

MASK = "***"
# scheme://user:password@host or scheme://token@host: the whole user-info goes.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@\s'\"]+)@")
# ?sig=..&X-Amz-Credential=..&api_key=..&access_token=..&code=..: parameters whose name says they carry a secret.
_PARAM_WORDS = r"token|key|secret|sig|signature|password|passwd|pwd|auth|credential|code|session"
_PARAMS = re.compile(rf"(?P<name>[?&;][^=&#\s]*(?:{_PARAM_WORDS})[^=&#\s]*=)(?P<value>[^&#\s'\"]+)", re.IGNORECASE)


def mask_text(text: str) -> str:
    """`text` with URI user-info and secret-carrying query parameter values replaced by ***."""
    if "://" not in text and "=" not in text:
        return text
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    return _PARAMS.sub(lambda m: f"{m['name']}{MASK}", text)
