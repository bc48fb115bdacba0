"""Drop duplicate <script> entries from each page.

sphinx-thebe registers its configuration script once per `env-before-read-docs`
event; when Jupyter Book fires that event more than once, the page declares
`const THEBE_JS_URL` twice and the browser raises a SyntaxError. Keeping the first
copy of each script fixes it without touching the extensions.
"""


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        body = getattr(script, "attributes", {}).get("body")
        key = ("inline", body) if body else ("file", str(script))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
