from django.apps import AppConfig


class CitizenAccountsConfig(AppConfig):
    name = "tinhso.portal.accounts"
    label = "citizens"
    verbose_name = "Tài khoản công dân"

    def ready(self):
        from tinhso.common.notices.recipients import register_contact_source
        from tinhso.portal.accounts.selectors import notice_contact

        # The notice service reaches a citizen at their verified addresses, in the language they chose.
        register_contact_source(notice_contact)
        from tinhso.portal.accounts import navigation

        navigation.register_entries()
