"""npdeep bleu HYP REF [REF...] on small files: the corpus line, --sentence, the options."""
import pytest

from npdeep import cli
from npdeep.text.bleu import corpus_bleu, sentence_bleu

HYPS = ["The cat sat on the mat.", "It is a guide to action which ensures obedience."]
REFS_1 = ["The cat is on the mat.", "It is a guide to action that ensures that the military "
          "always obeys the commands of the party."]
REFS_2 = ["There is a cat on the mat.", "It is the guiding principle which guarantees the "
          "military forces always being under the command of the Party."]


@pytest.fixture
def files(tmp_path):
    paths = []
    for name, lines in (("hyp.txt", HYPS), ("ref1.txt", REFS_1), ("ref2.txt", REFS_2)):
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def test_corpus_line_with_two_references(files, capsys):
    assert cli.main(["bleu", *files]) == 0
    out = capsys.readouterr().out.strip()
    expected = corpus_bleu(HYPS, [REFS_1, REFS_2])
    assert out == expected.format(signature=True)
    assert out.startswith(f"BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp = "
                          f"{expected.score:.2f} ")


def test_options_reach_the_score(files, capsys):
    argv = ["bleu", files[0], files[1], "--tokenize", "none", "--smooth", "floor",
            "--smooth-value", "0.2", "--lowercase"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out.strip()
    expected = corpus_bleu(HYPS, [REFS_1], tokenize="none", smooth_method="floor",
                           smooth_value=0.2, lowercase=True)
    assert out == expected.format(signature=True)
    assert "case:lc|eff:no|tok:none|smooth:floor[0.20]" in out


def test_sentence_mode_prints_one_line_per_sentence(files, capsys):
    assert cli.main(["bleu", files[0], files[1], "--sentence"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    for line, hyp, ref in zip(lines, HYPS, REFS_1):
        assert line == sentence_bleu(hyp, [ref]).format(signature=True)
        assert "eff:yes" in line


def test_a_reference_file_of_another_length_is_named(files, tmp_path, capsys):
    short = tmp_path / "short.txt"
    short.write_text("one line\n", encoding="utf-8")
    assert cli.main(["bleu", files[0], str(short)]) == 2
    err = capsys.readouterr().err
    assert f"npdeep bleu: {short} has 1 lines but {files[0]} has 2" in err
