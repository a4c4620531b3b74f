"""Press and information: staff pages under /bao-chi/; the public pages are in ``public_urls``."""

from django.urls import path

from tinhso.media import views

app_name = "media"

urlpatterns = [
    path("", views.home, name="home"),
    path("co-quan-bao-chi/", views.press_agencies, name="press-agencies"),
    path("co-quan-bao-chi/them/", views.press_agency_edit, name="press-agency-new"),
    path("co-quan-bao-chi/<int:pk>/sua/", views.press_agency_edit, name="press-agency-edit"),
    path("co-quan-bao-chi/<int:pk>/kenh/", views.add_channel, name="add-channel"),
    path("co-quan-bao-chi/kenh/<int:pk>/bo/", views.remove_channel, name="remove-channel"),
    path("nguoi-phat-ngon/", views.spokespeople_staff, name="spokespeople-staff"),
    path("phat-ngon/", views.own_spokespeople, name="own-spokespeople"),
    path("phat-ngon/them/", views.add_spokesperson, name="add-spokesperson"),
    path("phat-ngon/<int:pk>/", views.edit_spokesperson, name="edit-spokesperson"),
    path("phat-ngon/<int:pk>/ket-thuc/", views.end_spokesperson, name="end-spokesperson"),
    path("giay-phep/", views.licences, name="licences"),
    path("giay-phep/<int:pk>/", views.licence, name="licence"),
    path("giay-phep/<int:pk>/kiem-tra/", views.add_inspection, name="add-inspection"),
    path("giao-ban/", views.briefings, name="briefings"),
    path("giao-ban/lap/", views.plan_briefing, name="plan-briefing"),
    path("giao-ban/<int:pk>/", views.briefing, name="briefing"),
    path("giao-ban/<int:pk>/<slug:action>/", views.briefing_action, name="briefing-action"),
    path("giao-ban/<int:pk>/bien-ban.pdf", views.briefing_minutes, name="briefing-minutes"),
    path("giao-ban/thong-tin/<int:pk>/", views.deliver, name="deliver"),
    path("giao-ban/cau-hoi/<int:pk>/", views.answer, name="answer"),
    path("tin-bao/", views.reports, name="reports"),
    path("tin-bao/<int:pk>/", views.report, name="report"),
    path("vu-viec/", views.cases, name="cases"),
    path("vu-viec/<int:pk>/", views.case, name="case"),
    path("vu-viec/<int:pk>/<slug:action>/", views.case_action, name="case-action"),
    path("chung-cu/<int:pk>/", views.evidence_file, name="evidence"),
    path("xac-minh/<int:pk>/", views.verify, name="verify"),
    path("ung-pho/<int:pk>/", views.crisis_task, name="crisis-task"),
    # Public pages of the portal (no account).
    path("cong-khai/nguoi-phat-ngon/", views.spokespeople_public, name="spokespeople"),
    path("cong-khai/bao-tin/", views.file_report, name="file-report"),
    path("cong-khai/theo-doi/", views.follow, name="follow"),
    path("cong-khai/cai-chinh/", views.refutations, name="refutations"),
    path("cong-khai/cai-chinh/<str:code>/", views.refutation, name="refutation"),
]
