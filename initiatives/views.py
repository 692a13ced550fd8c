from django.views.generic import TemplateView

HomeView = InitiativeListView = InitiativeExportView = InitiativeDetailView = TemplateView
ThemeDetailView = PilotDetailView = PartnerDetailView = TemplateView
