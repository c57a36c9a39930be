"""docxtpl and docxcompose, imported with python-docx's namespace map left as python-docx needs it.

docxcompose (which docxtpl imports) rebinds the prefix `cp` in python-docx's global namespace
map to the custom-properties namespace (docxcompose#101, python-docx#1037, docxtpl#471). From
then on python-docx writes cp:keywords, cp:category, cp:lastModifiedBy, cp:revision and
cp:lastPrinted into docProps/core.xml in the wrong namespace: Word reports unreadable content
and drops the properties. docxcompose itself resolves `cp` through its own map, so restoring
python-docx's binding is safe for both. Import docxtpl from here, never directly.
"""

from docx.oxml.ns import nsmap
from docxtpl import DocxTemplate, RichText
from docxtpl.subdoc import Subdoc, SubdocComposer

CORE_PROPERTIES = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
nsmap["cp"] = CORE_PROPERTIES

__all__ = ["DocxTemplate", "RichText", "Subdoc", "SubdocComposer"]
