import factory
from django.contrib.auth import get_user_model

from tinhso.portal.accounts.models import CitizenProfile

PASSWORD = "Cong-dan-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"cd-test-{n}")
    email = factory.Sequence(lambda n: f"congdan{n}@example.vn")
    first_name = "Nguyễn Thị Lan"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CitizenFactory(factory.django.DjangoModelFactory):
    """A verified citizen who can sign in with e-mail or phone."""

    class Meta:
        model = CitizenProfile

    user = factory.SubFactory(UserFactory)
    full_name = "Nguyễn Thị Lan"
    email_verified = True
    phone = factory.Sequence(lambda n: f"09{n:08d}")
    phone_verified = True

