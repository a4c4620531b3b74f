from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "tinhso.directory"
    label = "directory"
    verbose_name = "Cơ quan và cán bộ"

    def ready(self):
        from tinhso.common.audit import track
        from tinhso.directory.models import Agency, Membership

        # Who may see what follows from these rows: every change goes on the audit chain.
        track(Agency, exclude=("search_text",))
        track(Membership)
        from django.db.models.signals import post_delete, post_save

        from tinhso.directory.selectors import memberships_changed

        post_save.connect(memberships_changed, sender=Membership, dispatch_uid="directory-held-roles-save")
        post_delete.connect(memberships_changed, sender=Membership, dispatch_uid="directory-held-roles-delete")
