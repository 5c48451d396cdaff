"""`--where`: the expression language parses what it should, evaluates safely, and names the place of an error."""

import pytest

from nnlab.report.where import WhereError, evaluate, names, parse

RUN = {"optimizer.type": "Adam", "training.batch_size": 64, "val_accuracy": 0.93, "status": "completed", "training.shuffle": True, "optimizer.momentum": None}


@pytest.mark.parametrize(
    "expression, expected",
    [
        ('optimizer.type == "adam" and training.batch_size >= 32', True),
        ("optimizer.type == 'SGD' or val_accuracy > 0.9", True),
        ("not (val_accuracy < 0.9 or status != 'completed')", True),
        ("training.batch_size = 64", True),
        ("training.batch_size < 1e2 and training.batch_size > -1", True),
        ("training.shuffle == true", True),
        ("training.shuffle", True),
        ("optimizer.momentum == null", True),
        ("optimizer.momentum > 0.5", False),
        ("optimizer.momentum != 0.5", True),
        ("training.batch_size == '64'", False),
        ("no.such.key == 1", False),
        ("NOT val_accuracy >= 0.95", True),
    ],
)
def test_an_expression_evaluates_against_a_run(expression, expected):
    assert evaluate(parse(expression), RUN) is expected


def test_the_names_of_an_expression_are_its_dotted_paths_and_metrics():
    tree = parse('(model.layers.0.units > 10 or val_loss < 1) and not optimizer.type == "adam"')
    assert list(names(tree)) == ["model.layers.0.units", "val_loss", "optimizer.type"]


@pytest.mark.parametrize(
    "expression, message",
    [
        ("", "the expression is empty"),
        ("val_loss <", "expected a value after '<' at column 10"),
        ("(val_loss < 1", "a '\\(' is never closed"),
        ("val_loss < 1 val_accuracy", "unexpected 'val_accuracy' at column 14"),
        ("val_loss @ 1", "cannot read '@ 1' at column 10"),
        ("__import__('os').system('x')", "cannot read \".system\\('x'\\)\" at column 17"),
        ("and val_loss", "expected a name or a value at column 1"),
    ],
)
def test_a_malformed_expression_is_an_error_naming_the_place(expression, message):
    with pytest.raises(WhereError, match=message):
        parse(expression)
