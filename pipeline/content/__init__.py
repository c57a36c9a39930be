"""The content: what every document says, before it is any format.

    formatting     Swedish formatting of amounts, dates and counted nouns (also the templates' filters)
    context        the plain data a plan template sees (build_context), and the names each template may use
    figures        the Graphviz figures (goal trees, budget charts) drawn from the model
    markdown_tree  the Markdown texts as pandoc reads them: figures, footnotes, words
"""
