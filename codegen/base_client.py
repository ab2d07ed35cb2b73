"""Base class of the generated client: the real transport lives in labelkit._transport."""

from labelkit._transport import Transport

from .base_model import UNSET, Upload


class GeneratedClientBase(Transport):
    UNSET_VALUE = UNSET
    UPLOAD_TYPE = Upload
