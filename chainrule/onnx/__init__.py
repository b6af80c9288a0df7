"""torch.onnx's place. The exporter comes with the ONNX work; until then export says so.

Nothing here imports onnx: it is an optional extra, loaded only when exporting.
"""
__all__ = ["export"]


def export(model, args, f=None, *more, **options):
    raise NotImplementedError("chainrule.onnx.export needs the ONNX issue's exporter, which is "
                              "not in this version of chainrule yet")
