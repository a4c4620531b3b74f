"""Small sound files made in the test, so no binary is committed."""

from __future__ import annotations

import io
import math
import struct
import wave


def tone_wav(seconds: float = 2.0, rate: int = 8000, amplitude: float = 0.3) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(struct.pack("<h", int(amplitude * 32767 * math.sin(2 * math.pi * 440 * i / rate)))
                          for i in range(int(seconds * rate)))
        out.writeframes(frames)
    return buffer.getvalue()
