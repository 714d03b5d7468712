"""Finding an artefact version's quality report: only versions kept in the store are read,
and each missing report says why (the API and the console word it from ``reason``)."""

from __future__ import annotations

import pytest

from prefero.recommend.quality_reads import (
    QualityMissing,
    current_quality,
    kept_versions,
    version_quality,
)
from prefero.runtime import Runtime
from quality_reports import sample_quality, write_reported_version


def test_each_missing_report_names_its_reason(runtime: Runtime) -> None:
    settings = runtime.settings
    with runtime.session() as session:
        with pytest.raises(QualityMissing) as untrained:
            current_quality(session, settings=settings)
        assert untrained.value.reason == "untrained" and untrained.value.status == 404
        bare = write_reported_version(settings.artefact_dir, None)
        with pytest.raises(QualityMissing) as old:
            current_quality(session, settings=settings)
        assert old.value.reason == "no_report"
        # Names that are no kept version, whatever they point at on the disk.
        (settings.artefact_dir / "stray").mkdir()
        for name in ("..", ".", "../artefacts", "stray", "CURRENT", "20200101T000000000000Z"):
            with pytest.raises(QualityMissing) as unknown:
                version_quality(session, settings=settings, version=name)
            assert unknown.value.reason == "unknown_version", name
        reported = write_reported_version(settings.artefact_dir, sample_quality())
        assert kept_versions(session, settings=settings) == [bare, reported]
        assert current_quality(session, settings=settings).version == reported
