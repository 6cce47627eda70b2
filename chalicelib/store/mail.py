"""Outgoing mail through Amazon SES (moto's SES in tests and the local stack)."""
from __future__ import annotations

from chalicelib import settings
from chalicelib.aws import client

RESET_SUBJECT = "Password reset instructions"


def send_password_reset(email: str, username: str) -> str:
    """Tell the user their password was reset and how to set a new one; returns SES's message id."""
    body = (f"Dear {username},\n\n"
            "Your FlexMeasures password has been reset and every session and access token of your account "
            "has been revoked. To log in again, choose a new password with the \"Forgot password\" link on "
            "the login page, or ask an administrator of your account for help.\n\n"
            "If you did not expect this, please contact your administrator.\n")
    response = client("ses").send_email(
        Source=settings.mail_sender(),
        Destination={"ToAddresses": [email]},
        Message={"Subject": {"Data": RESET_SUBJECT, "Charset": "UTF-8"},
                 "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}},
    )
    return response["MessageId"]
