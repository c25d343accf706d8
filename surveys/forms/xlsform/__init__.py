"""XLSForm in and out: officers design surveys in Excel (KoboToolbox, ODK) and Heard runs them in the chat.

A pipeline of small stages, as pyxform's own: `workbook` (pyxform reads and normalises the workbook), `cells`
(where each column is, for messages), `languages` and `texts` (column languages and translations), `names`
(safe keys), `types` (what each question type becomes), `expressions` (references renamed and checked), `read`
(the survey document), and `write` (a survey back as an XLSForm pyxform converts).
"""

from surveys.forms.xlsform.problems import XlsFormError, XlsProblem
from surveys.forms.xlsform.read import ImportedForm, read_xlsform
from surveys.forms.xlsform.write import catalog_texts, write_xlsform

__all__ = ["ImportedForm", "XlsFormError", "XlsProblem", "catalog_texts", "read_xlsform", "write_xlsform"]
