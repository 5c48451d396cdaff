"""TensorBoard's HParams data for every run: written without TensorFlow, read back by TensorBoard's own code."""

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from nnlab.runs.hparams import EVENT_FILE, main_hparams, try_write_hparams, write_hparams
from tests.fake_runs import config, write_run, write_sweep

ROOT = Path(__file__).parent.parent
OPTIMIZERS = [{"type": "SGD", "learning_rate": 0.1}, {"type": "Adam"}]


def read_events(path: Path) -> list:
    """The events of a TFRecord file, each record's checksums verified."""
    from tensorboard.compat.proto import event_pb2
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    data, events, at = path.read_bytes(), [], 0
    while at < len(data):
        header = data[at : at + 8]
        (length,) = struct.unpack("<Q", header)
        assert struct.unpack("<I", data[at + 8 : at + 12])[0] == masked_crc32c(header)
        body = data[at + 12 : at + 12 + length]
        assert struct.unpack("<I", data[at + 12 + length : at + 16 + length])[0] == masked_crc32c(body)
        events.append(event_pb2.Event.FromString(body))
        at += 16 + length
    return events


def plugin_data(events: list, tag: str):
    from tensorboard.plugins.hparams import plugin_data_pb2

    [value] = [value for event in events for value in event.summary.value if value.tag == tag]
    assert value.metadata.plugin_data.plugin_name == "hparams"
    return plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content)


def test_main_hparams_are_named_by_config_path():
    found = main_hparams(config(**{"model.defaults.kernel_initializer": {"type": "TruncatedNormal", "stddev": 0.001}}))
    assert found == {
        "optimizer.type": "SGD",
        "optimizer.learning_rate": 0.1,
        "model.defaults.activation": "tanh",
        "model.defaults.kernel_initializer": "TruncatedNormal(stddev=0.001)",
        "model.layers": 2,
        "model.units": "100-10",
        "data.dataset": "digits",
        "training.batch_size": 32,
        "training.epochs": 3,
        "loss": "sparse_categorical_crossentropy",
        "seed": 0,
    }


def test_a_trial_gets_its_hparams_swept_values_final_metrics_and_end(tmp_path):
    sweep = write_sweep(tmp_path / "sweep", [(config(optimizer=OPTIMIZERS[1]), 0.9)], {"grid": {"optimizer": OPTIMIZERS}, "metric": "val_accuracy"})
    [trial] = (sweep / "trials").iterdir()
    events = read_events(write_hparams(trial))
    start = plugin_data(events, "_hparams_/session_start_info").session_start_info
    assert start.hparams["optimizer"].string_value == "Adam"  # the sweep's swept path, found by itself
    assert (start.hparams["optimizer.type"].string_value, start.hparams["seed"].number_value) == ("Adam", 0)
    assert start.group_name == str(trial.resolve())
    scalars = {value.tag: value.simple_value for event in events for value in event.summary.value if value.HasField("simple_value")}
    assert scalars == pytest.approx(
        {"best/loss": 0.1, "best/val_loss": 0.2, "best/accuracy": 0.9, "best/val_accuracy": 0.9, "test/loss": 0.11, "test/accuracy": 0.89}
    )
    assert plugin_data(events, "_hparams_/session_end_info").session_end_info.status == 1  # STATUS_SUCCESS


def test_writing_again_replaces_the_file_and_adds_given_values(tmp_path):
    run = write_run(tmp_path / "a", config())
    write_hparams(run)
    path = write_hparams(run, swept={"training.batch_size": 64, "note": [1, 2]})
    assert sorted(p.name for p in path.parent.iterdir()) == [EVENT_FILE]
    start = plugin_data(read_events(path), "_hparams_/session_start_info").session_start_info
    assert (start.hparams["training.batch_size"].number_value, start.hparams["note"].string_value) == (64, "[1, 2]")


def test_a_failure_is_returned_not_raised(tmp_path):
    assert "could not write the TensorBoard hparams" in try_write_hparams(tmp_path / "missing")


TENSORBOARD_HPARAMS = """
import sys, types
sys.modules["tensorboard.compat.notf"] = types.ModuleType("tensorboard.compat.notf")  # TensorBoard's switch to its TensorFlow stub
from tensorboard import context
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from tensorboard.plugins.hparams import api_pb2, backend_context, list_session_groups
logdir = sys.argv[1]
multiplexer = plugin_event_multiplexer.EventMultiplexer()
multiplexer.AddRunsFromDirectory(logdir)
multiplexer.Reload()
tb = base_plugin.TBContext(logdir=logdir, multiplexer=multiplexer, data_provider=data_provider.MultiplexerDataProvider(multiplexer, logdir))
backend, request_context = backend_context.Context(tb), context.RequestContext()
metadata = backend.hparams_metadata(request_context, "")
experiment = backend.experiment_from_metadata(request_context, "", True, metadata, backend.hparams_from_data_provider(request_context, "", None))
request = api_pb2.ListSessionGroupsRequest(start_index=0, slice_size=1000, allowed_statuses=list(range(4)))
groups = list_session_groups.Handler(request_context, backend, "", request).run().session_groups
print(json.dumps({
    "hparams": sorted(info.name for info in experiment.hparam_infos),
    "metrics": sorted(f"{info.name.group}:{info.name.tag}" for info in experiment.metric_infos),
    "sessions": sorted(session.name for group in groups for session in group.sessions),
    "tensorflow": "tensorflow" in sys.modules,
}))
"""


def tensorboard_view(logdir: Path) -> dict:
    """What TensorBoard's HParams tab would list for `tensorboard --logdir logdir`, from its own backend code."""
    out = subprocess.run([sys.executable, "-c", "import json\n" + TENSORBOARD_HPARAMS, str(logdir)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_tensorboard_lists_every_trial_of_a_sweep_in_its_hparams_tab(tmp_path):
    trials = [(config(optimizer=optimizer, seed=seed), 0.8 + 0.01 * seed) for optimizer in OPTIMIZERS for seed in range(2)]
    sweep = write_sweep(tmp_path / "runs" / "sweep", trials, {"grid": {"optimizer": OPTIMIZERS}, "seeds": [0, 1]})
    for trial in (sweep / "trials").iterdir():
        write_hparams(trial)
    view = tensorboard_view(tmp_path / "runs")
    assert view["sessions"] == sorted(f"sweep/trials/{trial.name}/tensorboard" for trial in (sweep / "trials").iterdir())
    assert {"optimizer", "optimizer.type", "seed", "training.batch_size"} <= set(view["hparams"])
    assert {":best/val_accuracy", ":test/accuracy"} <= set(view["metrics"])
    assert view["tensorflow"] is False


@pytest.mark.train
def test_a_trained_run_writes_hparams_that_tensorboard_reads_with_its_curves(tmp_path, tiny, write_config):
    from nnlab.experiment import prepare
    from nnlab.runs.folder import create
    from nnlab.training.run import run

    tiny["output"] = {"plots": False, "model": False, "tensorboard": True}
    experiment = prepare(write_config(tiny))
    folder = create(tmp_path / "runs", "tiny")
    assert run(experiment.spec, experiment.dataset, folder, verbose=False).status == "completed"

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(folder.tensorboard))
    accumulator.Reload()
    start = accumulator.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    assert b"optimizer.learning_rate" in start
    view = tensorboard_view(tmp_path / "runs")
    assert view["sessions"] == [f"{folder.path.name}/tensorboard"]
    assert {"train:epoch_loss", "validation:epoch_accuracy", ":test/accuracy"} <= set(view["metrics"])
