from django.urls import include, path

from . import account, association, audit, clerk, drafts, files, officer, public, works

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
    path("clerk/projects/eligibility/", drafts.eligibility, name="clerk-eligibility"),
    path("clerk/projects/<int:pk>/eligibility/", drafts.eligibility,
         name="clerk-project-eligibility"),
    path("clerk/projects/<int:pk>/edit/", drafts.project_edit, name="clerk-project-edit"),
    path("clerk/projects/<int:pk>/withdraw/", drafts.project_withdraw,
         name="clerk-project-withdraw"),
    path("clerk/projects/<int:pk>/milestones/", works.milestones, name="clerk-milestones"),
    path("clerk/projects/<int:pk>/progress/new/", works.progress_new, name="clerk-progress-new"),
    path("clerk/projects/<int:pk>/committee/", works.committee, name="clerk-committee"),
    path("clerk/projects/<int:pk>/complete/", works.complete, name="clerk-complete"),
    path("clerk/committee/<int:pk>/edit/", works.member_edit, name="clerk-member-edit"),
    path("clerk/committee/<int:pk>/remove/", works.member_remove, name="clerk-member-remove"),
    path("clerk/committee/<int:pk>/sign-off/", works.sign_off, name="clerk-sign-off"),

    path("association/", association.home, name="association-home"),
    path("association/projects/<int:pk>/", association.project_detail,
         name="association-project"),

    path("audit/", audit.home, name="audit-home"),
    path("audit/ledger/", audit.ledger, name="audit-ledger"),
    path("audit/ledger.csv", audit.ledger_csv, name="audit-ledger-csv"),
    path("audit/trail/", audit.trail, name="audit-trail"),
    path("audit/checks/", audit.checks, name="audit-checks"),

    path("officer/", officer.queue, name="officer-queue"),
    path("officer/overdue/", officer.overdue, name="officer-overdue"),
    path("officer/projects/<int:pk>/", officer.project_detail, name="officer-project"),
    path("officer/projects/<int:pk>/review/", officer.review_start, name="officer-review-start"),
    path("officer/projects/<int:pk>/decide/", officer.decide, name="officer-decide"),
    path("officer/tranches/<int:pk>/disburse/", officer.disburse, name="officer-disburse"),

    path("projects/", public.project_list, name="public-projects"),
    path("projects/export.csv", public.export_csv, name="public-projects-csv"),
    path("projects/export.json", public.export_json, name="public-projects-json"),
    path("projects/<str:code>/", public.project_detail, name="public-project"),

    path("files/evidence/<int:pk>/", files.evidence_file, name="evidence-file"),
    path("files/evidence/<int:pk>/thumbnail/", files.evidence_thumbnail,
         name="evidence-thumbnail"),
    path("files/receipts/<int:pk>/proof/", files.receipt_proof, name="receipt-proof"),
]
