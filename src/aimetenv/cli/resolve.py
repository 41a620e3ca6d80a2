"""``aimetenv resolve``: the install plan for a variant and a tag, without installing."""

from aimetenv.cli.common import guarded, refuse_interpreter, settings_of
from aimetenv.cli.options import (
    AllowHttpOpt,
    GlibcOpt,
    IndexUrlOpt,
    InterpreterRefusedOpt,
    JsonOpt,
    MirrorOpt,
    NoColorOpt,
    PythonVersionOpt,
    SourceOpt,
    TagOpt,
    TorchFindLinksOpt,
    TorchIndexOpt,
    VariantOpt,
)


@guarded("resolve")
def resolve(  # one parameter per option
    variant: VariantOpt,
    tag: TagOpt,
    python_version: PythonVersionOpt = None,
    python: InterpreterRefusedOpt = None,
    source: SourceOpt = "auto",
    mirror: MirrorOpt = None,
    index_url: IndexUrlOpt = None,
    torch_index: TorchIndexOpt = None,
    torch_find_links: TorchFindLinksOpt = None,
    glibc: GlibcOpt = None,
    allow_http: AllowHttpOpt = False,
    json_output: JsonOpt = False,
    no_color: NoColorOpt = False,
) -> int:
    """Print the install plan: files or requirements in order, pip options, Python, exports."""
    from aimetenv.install import resolver
    from aimetenv.install.inputs import load_user_catalog, resolver_inputs
    from aimetenv.render.console import make_consoles
    from aimetenv.render.human import plan_text
    from aimetenv.render.jsonout import dumps

    refuse_interpreter(python, "resolve")
    settings = settings_of(json_output=json_output, color=not no_color)
    target, options = resolver_inputs(
        python=python_version, glibc=glibc, source=source, mirror=mirror, index_url=index_url,
        torch_index=torch_index, torch_find_links=torch_find_links, allow_http=allow_http,
    )  # fmt: skip
    plan = resolver.resolve(load_user_catalog(), variant, tag, target, options)
    out, _err = make_consoles(settings)
    if settings.json:
        document = plan.to_dict()
        document.update({"command": "resolve", "status": "success", "exit_code": 0})
        out.file.write(dumps(document))
    else:
        out.print(plan_text(plan), end="")
    return 0
