from django.apps import AppConfig


class TelecomConfig(AppConfig):
    name = "tinhso.telecom"
    label = "telecom"
    verbose_name = "Hạ tầng viễn thông"

    def ready(self) -> None:
        from tinhso.common.audit import track
        from tinhso.telecom import models, navigation, selectors, site_approval  # noqa: F401

        for model in (models.Operator, models.OperatorMembership, models.TelecomOffice, models.InfrastructurePlan,
                      models.SpacingRule, models.PlannedSite, models.RestrictedArea, models.Station,
                      models.CableRoute, models.ServicePoint, models.UndergroundingPlan, models.CoverageRange,
                      models.CoveragePlan, models.CoverageGoal, models.CommuneCoverage,
                      models.Outage, models.Disaster, models.OperatorReport):
            track(model)
        selectors.register_operator_scope()
        site_approval.register()
        from tinhso.telecom import layers

        layers.register()  # its layers on the operations room's map
