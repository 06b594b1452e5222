from django.apps import AppConfig


class CodeDeviceConfig(AppConfig):
    """The code display and the audio code reader as authenticator kinds (the devices
    themselves are the inventory's, in ``segl.authenticators``)."""

    name = "segl.codedevice"
    label = "codedevice"
    verbose_name = "code devices"

    def ready(self) -> None:
        from segl.authenticators.models import Kind
        from segl.authenticators.registry import register

        from .kind import OtpDeviceKind

        register(OtpDeviceKind(kind=Kind.CODE_DISPLAY.value))
        register(OtpDeviceKind(kind=Kind.AUDIO_CODE_READER.value))
