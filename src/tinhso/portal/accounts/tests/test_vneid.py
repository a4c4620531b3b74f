"""VNeID sign-in, run against a local OpenID Connect provider that the tests start on 127.0.0.1."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.urls import reverse

from tinhso.portal.accounts.models import CitizenProfile
from tinhso.portal.accounts.tests.factories import CitizenFactory
from tinhso.portal.accounts.tests.oidc_provider import LocalOidcProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings):
    with LocalOidcProvider() as provider:
        settings.OIDC_RP_CLIENT_ID = provider.client_id
        settings.OIDC_RP_CLIENT_SECRET = provider.client_secret
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = provider.endpoint("authorize")
        settings.OIDC_OP_TOKEN_ENDPOINT = provider.endpoint("token")
        settings.OIDC_OP_JWKS_ENDPOINT = provider.endpoint("jwks")
        settings.OIDC_OP_USER_ENDPOINT = ""
        settings.TINHSO_OIDC_ISSUER = provider.issuer
        settings.TINHSO_OIDC_CITIZEN_ID_CLAIM = "citizen_id"
        yield provider


def to_provider_and_back(client, provider):
    """Start at the VNeID button, let the provider answer, and return the callback path with its query."""
    response = client.get(reverse("citizens:vneid"))
    assert response.status_code == 302
    authorize = response["Location"]
    assert authorize.startswith(provider.endpoint("authorize") + "?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["scope"] == ["openid profile email phone"]
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    answer = requests.get(authorize, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.path == reverse("citizens:vneid-callback")
    return f"{back.path}?{back.query}"


def test_first_vneid_sign_in_creates_the_citizen_and_later_ones_find_them_by_citizen_id(client, provider):
    assert "Đăng nhập bằng VNeID" in client.get(reverse("login")).content.decode()
    response = client.get(to_provider_and_back(client, provider))
    assert response.status_code == 302
    assert response["Location"] == reverse("citizens:profile")
    profile = CitizenProfile.objects.get(id_number="040195001234")
    assert client.session["_auth_user_id"] == str(profile.user_id)
    assert profile.full_name == "Lê Thị Hoa" and profile.id_verified
    assert profile.user.email == "hoa@example.vn" and profile.email_verified
    assert profile.phone == "0933333333" and profile.phone_verified
    assert not profile.user.has_usable_password()
    assert "code_verifier" in provider.token_requests[-1]
    assert "Lê Thị Hoa" in client.get(reverse("citizens:profile")).content.decode()

    # Later, in another browser, with the name changed at the national register and a new e-mail.
    provider.claims.update(name="Lê Thị Hoà", email="hoa.moi@example.vn")
    other = client.__class__()
    response = other.get(to_provider_and_back(other, provider))
    assert response.status_code == 302
    assert other.session["_auth_user_id"] == str(profile.user_id)
    assert get_user_model().objects.count() == 1
    profile.refresh_from_db()
    assert profile.full_name == "Lê Thị Hoà"


def test_vneid_links_to_the_account_with_the_same_verified_email(client, provider):
    existing = CitizenFactory(user__email="hoa@example.vn", id_number="")
    response = client.get(to_provider_and_back(client, provider))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(existing.user_id)
    existing.refresh_from_db()
    assert existing.id_number == "040195001234" and existing.id_verified


@pytest.mark.parametrize("tamper", ["foreign_key", "altered_claims", "wrong_nonce", "wrong_issuer",
                                    "wrong_audience", "expired"])
def test_a_forged_or_misdirected_id_token_is_refused(client, provider, tamper):
    provider.tamper = tamper
    response = client.get(to_provider_and_back(client, provider), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Không đăng nhập được bằng VNeID" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not CitizenProfile.objects.exists()


def test_a_wrong_or_replayed_state_is_refused(client, provider):
    callback = to_provider_and_back(client, provider)
    path, query = callback.split("?", 1)
    params = {k: v[0] for k, v in parse_qs(query).items()}
    response = client.get(path, {"code": params["code"], "state": "khong-phai-cua-ban"})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session

    # A callback opened in a browser that never started the flow is refused too.
    stranger = client.__class__()
    response = stranger.get(callback)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in stranger.session

    # The genuine answer works once; replaying it does not.
    assert client.get(callback).status_code == 302
    assert "_auth_user_id" in client.session
    client.post(reverse("logout"))
    client.get(callback)
    assert "_auth_user_id" not in client.session


def test_an_answer_without_a_valid_citizen_id_is_refused(client, provider):
    provider.claims["citizen_id"] = "12345"
    response = client.get(to_provider_and_back(client, provider))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
