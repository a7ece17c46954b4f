"""Schemathesis hooks for the gateway (loaded by test/schemathesis.sh through SCHEMATHESIS_HOOKS).

`jcs-text` is the domain's format for free text (domain/src/schemas.ts): well-formed Unicode
without NUL, so RFC 8785 can canonicalise every record. No portable regex says that, so the
fuzzer is told here how to generate it; anything else it sends there must be refused.
"""
import schemathesis
from hypothesis import strategies as st

schemathesis.openapi.format(
    "jcs-text",
    st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00")),
)

