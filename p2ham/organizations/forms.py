from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from p2ham.core.forms import StyledFormMixin


class ImportFileForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        help_text=_(
            "First row: column names. CSV files must be UTF-8; Excel files must have no formulas or merged cells."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        uploaded = self.cleaned_data["file"]
        if uploaded.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(settings.IMPORT_MAX_BYTES)}
            )
        return uploaded
