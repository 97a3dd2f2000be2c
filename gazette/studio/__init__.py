"""``gazette studio``: the editor's desk, a local web page over the week's draft.

    server.py    uvicorn on a socket bound first (the URL is known at once)
    guard.py     Host/Origin checks, the per-run token, the operator's password
    app.py       the Starlette routes: the page, its fragments, the actions
    session.py   the draft's version as the page saw it, one change at a time, undo
    actions.py   the one door to the editor's verbs (``gazette.draft.verbs``)
    heading.py   a story's emoji and headline, on its heading line alone
    desk.py      what the desk shows: the issue with its findings, the candidates
    previews.py  the email (light and dark) and the web page of the draft

The Markdown draft stays the one source of truth: every change is a verb's
change of the file, and the page reloads whenever the file changes on disk.
"""
