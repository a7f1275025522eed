from django.urls import include, path

from . import account, clerk, files, officer, officer_actions, public

A = officer_actions

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
    path("clerk/projects/<int:pk>/start/", A.clerk_start_works, name="clerk-start"),
    path("clerk/pledges/<int:pk>/withdraw/", A.pledge_withdraw, name="clerk-pledge-withdraw"),

    path("officer/", officer.queue, name="officer-queue"),
    path("officer/overdue/", officer.overdue, name="officer-overdue"),
    path("officer/projects/<int:pk>/", officer.project_detail, name="officer-project"),
    path("officer/projects/<int:pk>/review/", officer.review_start, name="officer-review-start"),
    path("officer/projects/<int:pk>/decide/", officer.decide, name="officer-decide"),
    path("officer/tranches/<int:pk>/disburse/", officer.disburse, name="officer-disburse"),
    path("officer/tranches/<int:pk>/clawback/", A.clawback, name="officer-clawback"),
    path("officer/decisions/<int:pk>/", A.decision, name="officer-decision"),
    path("officer/decisions/<int:pk>/confirm/", A.decision_confirm,
         name="officer-decision-confirm"),
    path("officer/decisions/<int:pk>/return/", A.decision_return,
         name="officer-decision-return"),
    path("officer/projects/<int:pk>/conditions-met/", A.conditions_met,
         name="officer-conditions-met"),
    path("officer/projects/<int:pk>/top-ups/new/", A.top_up_new, name="officer-top-up-new"),
    path("officer/top-ups/<int:pk>/withdraw/", A.top_up_withdraw,
         name="officer-top-up-withdraw"),
    path("officer/projects/<int:pk>/suspend/", A.lifecycle, {"action": "suspend"},
         name="officer-suspend"),
    path("officer/projects/<int:pk>/resume/", A.lifecycle, {"action": "resume"},
         name="officer-resume"),
    path("officer/projects/<int:pk>/cancel/", A.lifecycle, {"action": "cancel"},
         name="officer-cancel"),
    path("officer/projects/<int:pk>/start/", A.start_works, name="officer-start"),
    path("officer/projects/<int:pk>/close/", A.close, name="officer-close"),
    path("officer/receipts/<int:pk>/refund/", A.receipt_undo, {"kind": "refund"},
         name="officer-receipt-refund"),
    path("officer/receipts/<int:pk>/reverse/", A.receipt_undo, {"kind": "reverse"},
         name="officer-receipt-reverse"),

    path("projects/", public.project_list, name="public-projects"),
    path("projects/export.csv", public.export_csv, name="public-projects-csv"),
    path("projects/export.json", public.export_json, name="public-projects-json"),
    path("projects/<str:code>/", public.project_detail, name="public-project"),

    path("files/evidence/<int:pk>/", files.evidence_file, name="evidence-file"),
    path("files/receipts/<int:pk>/proof/", files.receipt_proof, name="receipt-proof"),
    path("files/contracts/<int:pk>/", files.contract_document, name="contract-document"),
]
