"""Personal data protection (UU 27/2022): which form fields hold personal data, masking,
the hash-chained access log, encryption at rest, pseudonymised exports, retention and the
data subject's rights. ``docs/privacy.md`` maps the law's obligations to these modules.
"""
