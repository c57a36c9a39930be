"""The web page: the plan as one accessible HTML file (templates/verksamhetsplan.html and .css).

    html  the same context as the DOCX, Markdown to HTML, figures inline as SVG
"""
