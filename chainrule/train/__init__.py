"""Training workflow: fit / evaluate / predict, History, callbacks and resumable checkpoints.

    history = chainrule.train.fit(model, train_loader, loss_fn=nn.CrossEntropyLoss(),
                                  optimizer=optim.Adam(model.parameters(), lr=1e-3), epochs=20,
                                  val_data=val_loader, metrics=["accuracy", "f1"],
                                  callbacks=[EarlyStopping(patience=3,
                                                           restore_best_weights=True)])
    history.plot("curves.png")
"""
from .callbacks import Callback, EarlyStopping, ModelCheckpoint
from .checkpoint import load_checkpoint, save_checkpoint
from .history import History
from .loop import evaluate, fit, predict
from .tensorboard import TensorBoard

__all__ = ["fit", "evaluate", "predict", "History", "Callback", "EarlyStopping",
           "ModelCheckpoint", "save_checkpoint", "load_checkpoint", "TensorBoard"]
