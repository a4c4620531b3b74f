from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "tinhso.media"
    label = "media"
    verbose_name = "Báo chí, thông tin"

    def ready(self) -> None:
        from tinhso.common.audit import track
        from tinhso.media import licensing, models, navigation  # noqa: F401

        for model in (models.PressOffice, models.PressAgency, models.PressChannel, models.Spokesperson,
                      models.WebsiteLicence, models.LicenceRecord, models.Inspection, models.MonitoringAlert,
                      models.Briefing, models.BriefingInvitation, models.BriefingQuestion, models.FakeNewsReport,
                      models.Case, models.VerificationTask, models.Evidence, models.CrisisScenario,
                      models.ScenarioStep, models.Crisis, models.CrisisTask):
            track(model)
        licensing.register()
