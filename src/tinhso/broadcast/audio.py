"""Bulletin audio: judged by its content (MP3, WAV, OGG; never by its name or declared type), its duration
read from the file, its loudness normalised, and text spoken in Vietnamese offline.

ffmpeg/ffprobe and espeak-ng are Debian's (offline, no cloud service). Every bulletin is stored as the same
format the devices play: mono MP3 at 64 kbit/s, loudness normalised to -16 LUFS (EBU R 128 ``loudnorm``), so
that a loud upload and a quiet one sound alike on the loudspeakers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tinhso.common.inputs import InputError

MAX_AUDIO_BYTES = 50 * 1024 * 1024
MAX_SECONDS = 2 * 3600
MAX_SPEECH_CHARACTERS = 20_000
# ffprobe's format names for the three formats a bulletin may arrive in.
_FORMATS = {"mp3": "mp3", "wav": "wav", "ogg": "ogg"}


@dataclass(frozen=True)
class Audio:
    data: bytes
    format: str
    seconds: float


def sniff(data: bytes) -> str | None:
    """The format the bytes are in, by their signature: ``"wav"``, ``"ogg"``, ``"mp3"`` or None."""
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"OggS":
        return "ogg"
    if data[:3] == b"ID3":
        return "mp3"
    if len(data) >= 2 and data[0] == 0xFF and (data[1] & 0xE0) == 0xE0 and (data[1] & 0x06) != 0:
        return "mp3"  # an MPEG audio frame header (layer bits not 00)
    return None


def _refused(what_vi: str, what_en: str) -> InputError:
    return InputError(f"Tệp âm thanh không dùng được: {what_vi}", f"The audio file cannot be used: {what_en}", "audio")


def _run(command: list[str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, timeout=timeout, check=False)


def probe(path: Path) -> tuple[str, float]:
    """(format, seconds) as ffprobe reads them from the file's content."""
    result = _run(["ffprobe", "-v", "error", "-show_entries", "format=format_name,duration:stream=codec_type",
                   "-of", "json", str(path)], timeout=30)
    if result.returncode:
        raise _refused("không đọc được nội dung âm thanh.", "its audio content cannot be read.")
    info = json.loads(result.stdout or b"{}")
    names = set((info.get("format", {}).get("format_name") or "").split(","))
    if not any(s.get("codec_type") == "audio" for s in info.get("streams", [])):
        raise _refused("tệp không có kênh âm thanh.", "the file has no audio stream.")
    found = next((fmt for name, fmt in _FORMATS.items() if name in names), None)
    try:
        seconds = float(info["format"]["duration"])
    except (KeyError, TypeError, ValueError):
        raise _refused("không xác định được thời lượng.", "its duration cannot be read.") from None
    return found or "", seconds


def normalise(data: bytes) -> Audio:
    """Check an uploaded file by content and size, read its duration and return it as the devices' MP3."""
    if len(data) > MAX_AUDIO_BYTES:
        raise _refused(f"lớn hơn {MAX_AUDIO_BYTES // (1024 * 1024)} MB.",
                       f"larger than {MAX_AUDIO_BYTES // (1024 * 1024)} MB.")
    declared = sniff(data)
    if declared is None:
        raise _refused("chỉ nhận MP3, WAV hoặc OGG (xét theo nội dung tệp).",
                       "only MP3, WAV or OGG are accepted (judged by the file's content).")
    with tempfile.TemporaryDirectory(prefix="tinhso-audio-") as folder:
        source = Path(folder) / f"in.{declared}"
        source.write_bytes(data)
        found, seconds = probe(source)
        if found != declared:
            raise _refused("nội dung không khớp định dạng MP3, WAV hoặc OGG.",
                           "its content is not a valid MP3, WAV or OGG.")
        if seconds <= 0 or seconds > MAX_SECONDS:
            raise _refused("thời lượng phải từ 0 đến 2 giờ.", "its duration must be between 0 and 2 hours.")
        return _encode(source)


def _encode(source: Path) -> Audio:
    """The devices' MP3 of a checked sound file: mono, 44.1 kHz, 64 kbit/s, loudness normalised; its duration
    read from the MP3 written."""
    target = source.with_name("out.mp3")
    result = _run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source),
                   "-af", "loudnorm=I=-16:TP=-1.5:LRA=11", "-ar", "44100", "-ac", "1",
                   "-c:a", "libmp3lame", "-b:a", "64k", str(target)], timeout=600)
    if result.returncode:
        raise _refused("không chuyển được sang định dạng phát.", "it cannot be converted for playback.")
    _fmt, seconds = probe(target)
    return Audio(target.read_bytes(), "mp3", round(seconds, 2))


def _head(path: Path) -> bytes:
    with path.open("rb") as opened:
        return opened.read(12)


def speak(text: str) -> Audio:
    """Vietnamese speech for ``text``, offline (espeak-ng's ``vi`` voice), as the devices' MP3."""
    text = text.strip()
    if not text:
        raise InputError("Cần nhập nội dung để đọc.", "Enter the text to be read.", "text")
    if len(text) > MAX_SPEECH_CHARACTERS:
        raise InputError(f"Nội dung đọc dài quá {MAX_SPEECH_CHARACTERS} ký tự.",
                         f"The text to read is longer than {MAX_SPEECH_CHARACTERS} characters.", "text")
    voice = getattr(settings, "BROADCAST_VOICE", "vi")
    engine = shutil.which("espeak-ng")
    if engine is None:
        raise InputError("Máy chủ chưa cài bộ đọc tiếng Việt (espeak-ng).",
                         "The Vietnamese speech engine (espeak-ng) is not installed.", "text")
    with tempfile.TemporaryDirectory(prefix="tinhso-speech-") as folder:
        wav = Path(folder) / "speech.wav"
        script = Path(folder) / "speech.txt"
        script.write_text(text, encoding="utf-8")
        result = _run([engine, "-v", voice, "-s", "150", "-f", str(script), "-w", str(wav)], timeout=120)
        if result.returncode or not wav.exists() or sniff(_head(wav)) != "wav":
            raise InputError("Không đọc được nội dung thành tiếng.", "The text could not be turned into speech.",
                             "text")
        # espeak-ng's own WAV needs no judging by content (an upload does): straight to the devices' MP3.
        return _encode(wav)
