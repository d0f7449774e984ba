"""Reference populations of the 20 largest clusters of the demo world (issue 11 item 3).

Source: United Nations, Department of Economic and Social Affairs, Population Division (2018),
*World Urbanization Prospects: The 2018 Revision*, File 12 (urban agglomerations with 300,000
inhabitants or more), population at mid-2020, in millions, rounded to 0.1 M. A cluster that
spans several agglomerations is compared with their sum. The figures were entered by hand from
the published table.

Each entry: the place that locates the cluster (a GeoNames name and country: the cluster whose
footprint holds it), the agglomerations summed, the reference in millions, and ``short``: None
when the footprint holds the agglomeration (then the population inside it must be within 30%
of the reference), else why the footprint holds only part of the agglomeration (then the
population must be below the reference) or why the UN figure counts fewer people than the
footprint holds (``ABOVE`` at its start: then the population must be above it).
"""

from __future__ import annotations

from typing import NamedTuple

#: Starts the ``short`` of an entry whose UN figure is smaller than the footprint's population.
ABOVE = "above: "


class Reference(NamedTuple):
    place: str
    country: str
    agglomerations: str
    millions: float
    short: str | None


REFERENCES: tuple[Reference, ...] = (
    Reference(
        "Tokyo",
        "JP",
        "Tokyo 37.4",
        37.4,
        "the UN agglomeration spans four prefectures (13,500 km²); the footprint is 3,900 km²",
    ),
    Reference(
        "Shenzhen",
        "CN",
        "Shenzhen 12.4, Guangzhou 13.3, Dongguan 7.4, Foshan 7.3, Hong Kong 7.5",
        47.9,
        None,
    ),
    Reference(
        "Seoul",
        "KR",
        "Seoul 10.0, Incheon 2.8, Suwon 1.2, Goyang 1.1, Seongnam 1.0, Bucheon 0.9, Anyang 0.6, "
        "Uijeongbu 0.5, Gwangmyeong 0.3",
        18.4,
        None,
    ),
    Reference(
        "Beijing",
        "CN",
        "Beijing 20.5",
        20.5,
        "the UN figure counts the municipality's urban districts (thousands of km²); the footprint "
        "is 1,700 km²",
    ),
    Reference("San Jose", "US", "San Francisco-Oakland 3.3, San Jose 1.8", 5.1, None),
    Reference(
        "Shanghai",
        "CN",
        "Shanghai 27.1, Suzhou 7.1",
        34.2,
        "the UN figures count the municipalities' urban districts; the footprint is 3,400 km²",
    ),
    Reference(
        "Osaka",
        "JP",
        "Osaka (Kinki major metropolitan area) 19.2",
        19.2,
        "the UN agglomeration spans five prefectures; the footprint is 2,500 km²",
    ),
    Reference(
        "Essen",
        "DE",
        "Köln 1.1, Düsseldorf 0.6, Dortmund 0.6, Essen 0.6, Duisburg 0.5, Bochum 0.4, "
        "Wuppertal 0.4, Bonn 0.3",
        4.5,
        ABOVE
        + "the UN lists German cities within their municipal limits; the footprint (9,900 km²) "
        "holds the whole Rhine-Ruhr",
    ),
    Reference(
        "Boston",
        "US",
        "Boston 4.3",
        4.3,
        "the US Census urbanized area spans 4,900 km²; the footprint is 660 km²",
    ),
    Reference(
        "Rotterdam",
        "NL",
        "Amsterdam 1.1, Rotterdam 1.0, The Hague 0.7, Utrecht 0.4",
        3.2,
        ABOVE + "the UN lists Dutch cities within their municipal limits; the footprint "
        "(5,500 km²) holds the whole Randstad",
    ),
    Reference(
        "San Diego",
        "US",
        "San Diego 3.3",
        3.3,
        "the US Census urbanized area spans 1,900 km²; the footprint is 620 km²",
    ),
    Reference(
        "Busan", "KR", "Busan 3.5, Ulsan 1.2, Changwon 1.1, Gimhae 0.5, Yangsan 0.3", 6.6, None
    ),
    Reference("Phoenix", "US", "Phoenix-Mesa 4.7", 4.7, None),
    Reference("New York City", "US", "New York-Newark 18.8", 18.8, None),
    Reference(
        "Paris",
        "FR",
        "Paris 11.0",
        11.0,
        "the UN agglomeration (unité urbaine) spans 2,800 km²; the footprint is 1,050 km²",
    ),
    Reference(
        "Chongqing",
        "CN",
        "Chongqing 15.9",
        15.9,
        "the UN figure counts the municipality's urban districts; the footprint is 1,600 km²",
    ),
    Reference("Rome", "IT", "Rome 4.3", 4.3, None),
    Reference(
        "Nagoya",
        "JP",
        "Nagoya (Chukyo major metropolitan area) 9.6",
        9.6,
        "the UN agglomeration spans three prefectures; the footprint is 900 km²",
    ),
    Reference("Nanjing", "CN", "Nanjing 8.8", 8.8, None),
    Reference("Dallas", "US", "Dallas-Fort Worth 6.3", 6.3, None),
)

#: The band within which the population inside a footprint that holds its agglomeration must be.
TOLERANCE = 0.30
