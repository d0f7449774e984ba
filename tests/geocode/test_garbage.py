"""Garbage in gives 'not located' with a reason, never an exception (property tests)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stclusters.geocode import Geocoder, GeocodeResult
from stclusters.geocode.address import STYLES

PRECISIONS = {"city", "region", "country"}

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _consistent(res: GeocodeResult) -> None:
    assert isinstance(res, GeocodeResult)
    if res.precision is None:
        assert res.reason and res.lat is None and res.lon is None
    else:
        assert res.precision in PRECISIONS and res.reason is None
        assert res.lat is not None and res.lon is not None
        assert -90 <= res.lat <= 90 and -180 <= res.lon <= 180
        assert res.country is not None and len(res.country) == 2 and res.country.isupper()


@SETTINGS
@given(st.text(max_size=300), st.sampled_from([None, *STYLES]))
def test_any_text(geocoder: Geocoder, text: str, style: str | None) -> None:
    _consistent(geocoder.geocode(text, style=style))


@SETTINGS
@given(
    st.one_of(st.none(), st.text(max_size=40)),
    st.one_of(st.none(), st.text(max_size=40)),
    st.one_of(st.none(), st.text(max_size=40)),
    st.one_of(st.none(), st.text(max_size=10)),
)
def test_any_fields(
    geocoder: Geocoder, text: str | None, city: str | None, region: str | None, country: str | None
) -> None:
    _consistent(geocoder.geocode(text, city=city, region=region, country=country, style="uspto"))


@SETTINGS
@given(st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Nd", "P"]), max_size=200))
def test_no_letters_is_not_located(geocoder: Geocoder, text: str) -> None:
    res = geocoder.geocode(text)
    assert res.precision is None and res.reason


@SETTINGS
@given(st.text(alphabet="0123456789 ,;-./", max_size=100))
def test_numbers_are_not_located(geocoder: Geocoder, text: str) -> None:
    res = geocoder.geocode(text)
    assert res.precision is None and res.reason


@SETTINGS
@given(st.text(min_size=1001, max_size=10_240))
def test_long_strings_are_not_located(geocoder: Geocoder, text: str) -> None:
    res = geocoder.geocode(text.replace("\x00", "a") + "a" * 1001)
    assert res.precision is None and res.reason and "too long" in res.reason


@SETTINGS
@given(st.text(alphabet=st.characters(codec="utf-8", categories=["Lo", "So"]), max_size=60))
def test_other_scripts_never_raise(geocoder: Geocoder, text: str) -> None:
    _consistent(geocoder.geocode(text))


def test_ten_kilobytes_of_an_address(geocoder: Geocoder) -> None:
    text = "Harvard Univ, Dept Phys, Cambridge, MA 02138 USA; " * 205
    assert len(text) > 10_240
    res = geocoder.geocode(text)
    assert res.precision is None and res.reason and "too long" in res.reason
