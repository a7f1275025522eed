from django.urls import include, path

from . import account, clerk, files, officer, outbox, public

urlpatterns = [
    path("", account.home, name="home"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", account.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),

    path("clerk/", clerk.dashboard, name="clerk-dashboard"),
    path("clerk/projects/new/", clerk.project_new, name="clerk-project-new"),
    path("clerk/projects/<int:pk>/", clerk.project_detail, name="clerk-project"),
    path("clerk/projects/<int:pk>/submit/", clerk.project_submit, name="clerk-project-submit"),
    path("clerk/projects/<int:pk>/pledges/new/", clerk.pledge_new, name="clerk-pledge-new"),
    path("clerk/projects/<int:pk>/receipts/new/", clerk.receipt_new, name="clerk-receipt-new"),
    path("clerk/projects/<int:pk>/receipts/rate/", clerk.receipt_rate, name="clerk-rate"),
    path("clerk/projects/<int:pk>/evidence/new/", clerk.evidence_new, name="clerk-evidence-new"),

    path("officer/", officer.queue, name="officer-queue"),
    path("officer/overdue/", officer.overdue, name="officer-overdue"),
    path("officer/projects/<int:pk>/", officer.project_detail, name="officer-project"),
    path("officer/projects/<int:pk>/review/", officer.review_start, name="officer-review-start"),
    path("officer/projects/<int:pk>/decide/", officer.decide, name="officer-decide"),
    path("officer/tranches/<int:pk>/disburse/", officer.disburse, name="officer-disburse"),
    path("officer/receipts/<int:pk>/", officer.held_receipt, name="officer-held-receipt"),

    path("outbox/", outbox.message_list, name="outbox"),
    path("outbox/<int:pk>/replay/", outbox.message_replay, name="outbox-replay"),

    path("projects/", public.project_list, name="public-projects"),
    path("projects/export.csv", public.export_csv, name="public-projects-csv"),
    path("projects/export.json", public.export_json, name="public-projects-json"),
    path("projects/<str:code>/", public.project_detail, name="public-project"),

    path("files/evidence/<int:pk>/", files.evidence_file, name="evidence-file"),
    path("files/receipts/<int:pk>/proof/", files.receipt_proof, name="receipt-proof"),
]
