from tinhso.common.notices import SmsBackend


class SmsInbox(SmsBackend):
    """An SMS gateway for tests: keeps (phone, text) pairs."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))

    @classmethod
    def last_code(cls, phone: str) -> str:
        import re

        for to, text in reversed(cls.sent):
            if to == phone and (match := re.search(r"\b(\d{6})\b", text)):
                return match.group(1)
        raise AssertionError(f"no code sent to {phone}: {cls.sent}")
