import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tinhso.conf.environment import VARIABLES

ROOT = Path(__file__).resolve().parents[4]


def test_every_environment_variable_has_a_row_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\|\s*`([A-Z0-9_]+)`\s*\|", readme, flags=re.MULTILINE))
    assert set(VARIABLES) <= rows, f"missing from README: {sorted(set(VARIABLES) - rows)}"
    assert rows <= set(VARIABLES), f"README documents unknown variables: {sorted(rows - set(VARIABLES))}"


def test_settings_read_the_environment_only_through_the_declared_variables():
    settings_dir = ROOT / "src" / "tinhso" / "conf" / "settings"
    for module in settings_dir.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert "os.environ[" not in text and "os.getenv" not in text, module.name


def _start_production(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "import django; django.setup()"
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tinhso.conf.settings.production",
            "DATABASE_URL": "sqlite:///var/prod-check.sqlite3", "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True,
                          cwd=ROOT)


def test_production_refuses_the_default_secret_key():
    result = _start_production({})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_debug():
    result = _start_production({"SECRET_KEY": "x" * 50, "DEBUG": "true"})
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_production_starts_with_a_real_key_and_secure_cookies():
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.DEBUG)")
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tinhso.conf.settings.production",
           "SECRET_KEY": "k" * 50, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False"]


def test_production_collects_every_static_file_with_its_references(tmp_path):
    """What a deployment runs before starting: the manifest storage follows every url() and source map
    a stylesheet or script names, and fails on one that is not shipped."""
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tinhso.conf.settings.production",
           "SECRET_KEY": "k" * 50, "PYTHONPATH": str(ROOT / "src"), "STATIC_ROOT": str(tmp_path / "static"),
           "DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-m", "django", "collectstatic", "--noinput", "-v", "0"], env=env,
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "vendor/leaflet/leaflet.js" in manifest and "vendor/htmx/htmx.min.js" in manifest


def test_time_zone_and_languages(settings):
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.LANGUAGE_CODE == "vi"
    assert {code for code, _ in settings.LANGUAGES} == {"vi", "en"}


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy_and_a_request_id(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_trivial_endpoint_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_sign_in_page_is_vietnamese_and_links_only_local_assets(client):
    html = client.get(reverse("login")).content.decode()
    assert "<h1>Đăng nhập</h1>" in html
    assert 'lang="vi"' in html
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not src.startswith(("http://", "https://", "//")), src


@pytest.mark.django_db
def test_a_wrong_password_gets_a_vietnamese_message_and_no_session(client):
    get_user_model().objects.create_user("canbo", password="Mat-khau-dung-1")
    response = client.post(reverse("login"), {"username": "canbo", "password": "sai"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_staff_home_requires_sign_in(client):
    response = client.get(reverse("staff-home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_english_is_available_through_the_language_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("login")}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "<h1>Sign in</h1>" in html
    assert "<h1>Đăng nhập</h1>" not in html


@pytest.mark.django_db
def test_password_change_keeps_the_user_signed_in(client):
    user = get_user_model().objects.create_user("doimk", password="Mat-khau-cu-2024")
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": "Mat-khau-cu-2024",
        "new_password1": "Mat-khau-moi-2026!",
        "new_password2": "Mat-khau-moi-2026!",
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Mat-khau-moi-2026!")


@pytest.mark.django_db
def test_api_documentation_is_served_from_local_assets(client):
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "tinhso API"
    docs = client.get("/api/docs").content.decode()
    assert "swagger-ui-bundle.js" in docs
    assert "cdn." not in docs and "https://" not in docs


@pytest.mark.django_db
def test_a_malformed_api_parameter_gets_a_vietnamese_422(client):
    response = client.get("/api/directory/agencies", {"page": "không-phải-số"})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("Tham số không hợp lệ: page")
    assert body["errors"][0]["field"] == "page"


def test_the_default_database_follows_data_dir(tmp_path):
    """A second instance started with only its own DATA_DIR must not share the first one's SQLite file."""
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['NAME'])")
    names = []
    for instance in ("mot", "hai"):
        env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tinhso.conf.settings.dev",
               "DATA_DIR": str(tmp_path / instance), "PYTHONPATH": str(ROOT / "src")}
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        names.append(result.stdout.strip())
    assert names == [str(tmp_path / "mot" / "tinhso.sqlite3"), str(tmp_path / "hai" / "tinhso.sqlite3")]
