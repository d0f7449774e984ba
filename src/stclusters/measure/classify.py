"""Classification codes of the records mapped to technology and science fields for one run."""

from __future__ import annotations

import duckdb

from stclusters.measure.fields import is_ssh, science_field, technology_field

__all__ = ["field_maps", "is_ssh_code"]

FieldMap = dict[tuple[str, str], tuple[str, str]]


def is_ssh_code(code: str, scheme: str) -> bool | None:
    """True for a social-science, arts or humanities category; None when the code is unknown."""
    if science_field(code, scheme=scheme) is None:
        return None
    return is_ssh(code, scheme=scheme)


def field_maps(con: duckdb.DuckDBPyConnection) -> tuple[FieldMap, FieldMap]:
    """(scheme, code) -> (field, sector) for every technology and science code in ``classes``.

    Technology: the 35 WIPO fields of IPC (and CPC) codes, with their sector. Science: the OECD
    field of science and technology of Web of Science categories and Scopus ASJC codes, with its
    major field as the sector. Codes that map to nothing are left out.
    """
    tech: FieldMap = {}
    science: FieldMap = {}
    rows = con.execute(
        "SELECT DISTINCT scheme, code FROM classes "
        "WHERE scheme IN ('ipc', 'cpc', 'wos', 'asjc') ORDER BY scheme, code"
    ).fetchall()
    for scheme, code in rows:
        if scheme in ("ipc", "cpc"):
            tf = technology_field(code)
            if tf is not None:
                tech[(scheme, code)] = (tf.name, tf.sector)
        else:
            sf = science_field(code, scheme=scheme)
            if sf is not None:
                science[(scheme, code)] = (sf.name, sf.major_name)
    return tech, science
