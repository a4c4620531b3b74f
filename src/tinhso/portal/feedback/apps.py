from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "tinhso.portal.feedback"
    label = "feedback"
    verbose_name = "Đánh giá, phản ánh, kiến nghị"
