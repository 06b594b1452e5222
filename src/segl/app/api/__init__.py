"""The app API: JSON over HTTPS, every call after activation signed with a DPoP proof by the
app's key (described in ``openapi.yaml`` beside the package). Views translate HTTP to one
service call and back; every refusal is a JSON error with a stable ``error`` and ``reason``.

    base        refusals as JSON, the body, the DPoP proof, rate limits
    activation  activation code, temporary PIN, new PIN and key
    account     who the app is, unlock, approval mode, retire
    login       the waiting request (long-poll), the binding, the answer
    copy        activate on another phone
    biometrics  the phone's platform credential (WebAuthn)
"""
