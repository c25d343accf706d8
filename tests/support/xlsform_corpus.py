"""The corpus of real public XLSForms the import is measured on, and where to find it.

The forms come from public repositories under open licences (each folder keeps its LICENSE beside the forms):

- `pyxform/`: the example and bug-report forms of XLSForm/pyxform (the XLSForm reference implementation, which
  KoboToolbox and ODK run), tests/example_xls and tests/bug_example_xls at commit
  51e5bfecc306febe03b3c4791ad0dbdecad208a4; BSD 2-Clause licence, © 2015 XLSForm. They include the XLSForm
  specification's own test form (xlsform_spec_test.xlsx) and the ODK tutorial form (tutorial.xls).
- `correlaid/`: the survey forms of CorrelAid/xlsform2lstsv (a German civic-tech organisation's converter for
  the surveys of migrant organisations), at commit bb55a6111676eed10e15cfc08d80bdd98ab4d045; MIT licence, © 2026
  CorrelAid e.V.

Heard's repository does not carry third-party workbooks itself: the corpus lives in the project's shared folder
beside the repository (`../shared/xlsform-corpus`, which CI has beside its clone), or wherever
HEARD_XLSFORM_CORPUS points. MANIFEST pins every file by its SHA-256, so the figure in the README is measured
on exactly these forms. Without the corpus its tests are skipped, unless HEARD_REQUIRE_XLSFORM_CORPUS=1.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from surveys.config import PROJECT_ROOT

MANIFEST: dict[str, str] = {
    "correlaid/all_types_survey.xlsx": "d30af59eba13944c27ab3a0fb8902b17a489181828ea2ccaff61686c8633ac83",
    "correlaid/mitwirken_umfrage.xlsx": "14635c72fd660be5b642874a40c57f5b16f45353dc19adb37aa2de198b0c970d",
    "correlaid/testA.xlsx": "d0273368da72c5ae4f322ad20f19bb7d69b0cb4c6f9bf64e1500b46ce2bd8e76",
    "correlaid/testB.xlsx": "f96e254947427ce01a31baca962ea9f3f31e0c531ca89755f91efbaa74b81e54",
    "pyxform/bug_example_xls/ODKValidateWarnings.xlsx":
        "2b38d039bdc1c8ecc8f289e0046b7467e165f09b2f893b778ec50a3d94439698",
    "pyxform/bug_example_xls/UCL_Biomass_Plot_Form.xlsx":
        "437c5208e7b7aecbde6eeb56d846710fb56d666238b639fce46f5a302f8a929b",
    "pyxform/bug_example_xls/bad_calc.xlsx": "7463ccef2616b0d8ff113e5836e0ca3b8a150e869358b73d37266c28e0620d9a",
    "pyxform/bug_example_xls/badly_named_choices_sheet.xls":
        "7d5e8f578c956b2daebfce8d684cd4ef1b111473c2e62891ad2a2dbbe4c16943",
    "pyxform/bug_example_xls/blank_second_row.xls": "2f513e6b837e41338b156879ea705d1584864ae95beb165c3cd1c16a2db1ab54",
    "pyxform/bug_example_xls/calculate_without_calculation.xls":
        "a995ec64c13944721a50a04a7945795b94444df925d437d4dd712be335ef8e78",
    "pyxform/bug_example_xls/duplicate_columns.xlsx":
        "d293e333c989cf53aa38ea7c5038dc2825b64f11f30ba6ed788dcde28ac31ae5",
    "pyxform/bug_example_xls/excel_with_macros.xlsm":
        "3c88e00cad1c5fc4972288f50ae282f9a7cfd48c7f745bda134429ea272a56e6",
    "pyxform/bug_example_xls/extra_columns.xls": "8429cac446cfca0fb8ec0ebec1268754032bd2aec61529b22e69b51cd68c505a",
    "pyxform/bug_example_xls/group_name_test.xls": "5d070c3a6f794c8e2bd0e686cc47eb8996c4f0226d57551d825c621d3615e226",
    "pyxform/bug_example_xls/ict_survey_fails.xls": "37a9ae334b7e4a263add38d4e94acf60a928485ed93b35fa8abe18af5972db3f",
    "pyxform/bug_example_xls/spaces_in_choices_header.xls":
        "772a8992eb0279aeced3cee10199593a268b43a6c6a048bca31cb6db63ec5732",
    "pyxform/bug_example_xls/xl_date_ambiguous.xlsx":
        "73521a84cd33bb94fe7e3fab002a0d3a3c9f6b6c64845cac63ac10f9e326d4ca",
    "pyxform/bug_example_xls/xl_date_ambiguous_v1.xlsx":
        "5fca6824467b105ba01c3bcdc4d202dc2c6a37fa3554f0abe12103035d2cd4d0",
    "pyxform/example_xls/allow_comment_rows_test.xls":
        "394a3b584f69a929b20366ab0f3e0378a58edf455ab0da3b742315fd0c81f755",
    "pyxform/example_xls/attribute_columns_test.xlsx":
        "aead4faf12dae69d15c693b9af6a26d160c6e3c2f5ec65bb16572cd68b1faba3",
    "pyxform/example_xls/bad_calc.xlsx": "7463ccef2616b0d8ff113e5836e0ca3b8a150e869358b73d37266c28e0620d9a",
    "pyxform/example_xls/calculate.xls": "f85dea8683415a9f90b6ad3051a1295527b1b2faf5d15f6338251d4bc34ac624",
    "pyxform/example_xls/cascading_select_test_equivalent.xls":
        "131c6f040bcfd25de60c2ac572736e97978b7e7854832efa8ba2ba060f37db4f",
    "pyxform/example_xls/case_insensitivity.xls": "bb41ce4d794f95e2c1775bd6d229dba2f7e41e1cf5423997a3f8d3eeac93ef30",
    "pyxform/example_xls/case_insensitivity.xlsx": "2540fdac8da3c561cb7fa0eefc6406b5d0a438b2168ac621e006d52981b86afe",
    "pyxform/example_xls/choice_filter_test.xlsx": "2a4131ed91b11a39723b42e7cf1ac391bbc22737330b9dc2095da1bbfb487bad",
    "pyxform/example_xls/choice_name_as_type.xls": "f09f2760cd0cd17d44797e55fe779b74f290dece817b6c5771f8a1b037a91524",
    "pyxform/example_xls/choice_name_same_as_select_name.xls":
        "4932dd32c0e0404a9f0ef338888f9d5bc73be2c57c8dcace8ca88395fc35b03a",
    "pyxform/example_xls/default_time_demo.xls": "896f96316f860406bb2fea76ac509e4b9282d264748cab58b7e10122fc9d5b53",
    "pyxform/example_xls/extra_columns.xlsx": "dd5f52e28da1f457a0dd88a263567d578faf6d38b5de328405fca2b0778be613",
    "pyxform/example_xls/extra_sheet_names.xlsx": "f2593ddd905d6399ee23cb2e3150136023d01335684ba19160ff36684af341d4",
    "pyxform/example_xls/field-list.xlsx": "4f71cc2c3e5bbcc50439bc5775d030e3e3d195e66335aea9bae8a7f62b95bd19",
    "pyxform/example_xls/flat_xlsform_test.xlsx": "c5ccb300e70d9427d45291947d2a1d31cb5990ad177764fdf27ca774756b80d7",
    "pyxform/example_xls/gps.xls": "2c6ef5fa774ad91d47a6de02542f928643d8c327f003ec38062c2690eddf0596",
    "pyxform/example_xls/group.xls": "817e1975d874be571962364fd6dd739c6b8269c206afd3f8867a52d7f9d0a695",
    "pyxform/example_xls/group.xlsx": "0c253207aa9ba9912e2f7462af17bb789686cd9cbc59f363ab89aab03660f7ec",
    "pyxform/example_xls/hidden.xls": "251757303c0e6e5805e080fe1d5ecfc91d13b00d971024ee293def630c883007",
    "pyxform/example_xls/include.xls": "ce490e67b651c75e8ea116c51c8d698a7aa7226d40f39cdf84daac235c69e92f",
    "pyxform/example_xls/include.xlsx": "f45bbbb5dd711dc0ac6b6625c2d7ba33604ee3acb3a1480f06db6dcd516f0b42",
    "pyxform/example_xls/include_json.xls": "299c0762f3275a53573aa6deffc6264d1d2a5be0776f04d5dbae8dcce8c96b7c",
    "pyxform/example_xls/include_json.xlsx": "b43501568d138bdbd916c67331e1ba77e414d987b12fa48667dc7ae3e7ddddc9",
    "pyxform/example_xls/loop.xls": "dc746f9039c34976e5b0d352d99a82d510f4bb51f5e1d393535de7b875baaa0b",
    "pyxform/example_xls/loop.xlsx": "dbfb2c636a2f134b58813b328166ae374b173665d88288a845d14d5f3d319d77",
    "pyxform/example_xls/or_other.xlsx": "f03b4d2715450e39772e875384d955129a06019292bf7109295dece1a872276e",
    "pyxform/example_xls/pull_data.xlsx": "d117a4bfc1d4e29988932927c84a4dac29531d921fa4e43aaf754e8212503646",
    "pyxform/example_xls/repeat_date_test.xls": "e6322e169b6ad164e8aa2938b800944905246b27d499e3d8e76ae3b7f3caa8ce",
    "pyxform/example_xls/simple_loop.xls": "51a3f5088cf7ffc3d69c8ff9e6994ef500e0d6dd2acae2b182b5940514016f56",
    "pyxform/example_xls/sms_info.xls": "4a2f901f36012230d6c8eb0a2aa8f319ddb9ee9277ce8c80ab81ff10dcae46ab",
    "pyxform/example_xls/specify_other.xls": "c0404856c7a3efdfa5eacdbfcd84d7834dd96484ed22560afa3ca3b37404191c",
    "pyxform/example_xls/specify_other.xlsx": "eb32d36e95c9e1047fe96339bbca2fa7d6241db0f42b16d7d5baffd552684eac",
    "pyxform/example_xls/style_settings.xls": "499a79752a1f9beb768885fbcd5c2566571049dfcc57428451a7f68e0ece3291",
    "pyxform/example_xls/survey_no_name.xlsx": "9238f3078691cb753eed9a8690bdd6457a7adff1a3df6e19076f7c99f4e1df53",
    "pyxform/example_xls/table-list.xls": "1be0684a1b453005c0abe6a98a0e43cd72d328b68e76e8cd84bb7c20d28686b4",
    "pyxform/example_xls/text_and_integer.xls": "973ade9e60f8a47a7171bb96e80e8a97e6a5647a65afc8d3c16fbffa52eebf30",
    "pyxform/example_xls/text_and_integer.xlsx": "67204896ac7db8224d6dbdc67b64a5f486bd38176a422ed6a86ccffbee971f6f",
    "pyxform/example_xls/tutorial.xls": "d7e72bd376372388613775c5b7b9389cf438d7b1852e4eadac9acf54025dd35b",
    "pyxform/example_xls/unknown_question_type.xls": "ad37bbdbdbd3ee4732217802944efbba1febb6750d0b031c1f0b47ada70ab6c6",
    "pyxform/example_xls/widgets.xls": "f4fc235efe34e6eab8a219fe39cf3a4e637f15d1791222a83d23027624ceb826",
    "pyxform/example_xls/xlsform_spec_test.xlsx": "97d80ea3f893b5fc940a905bfe33d94f22a46086fcc33c6bce3f58c00fddc519",
    "pyxform/example_xls/xml_escaping.xls": "144e8eadc770572eafc3e18577a13f323edce5cf135352fcb968f864139a9eca",
    "pyxform/example_xls/yes_or_no_question.xls": "fc8fd9afaedd1ffdf0246ebd23d66e50ddc2fe642f8dd67ff495eda033457064",
    "pyxform/example_xls/yes_or_no_question.xlsx": "37267349c8ff6127f02c69d3c71ea57e7fbe5c3d0313b2960795d1e5ffabe6e0",
}


def corpus_folder() -> Path | None:
    """The corpus folder, if it is here."""
    configured = os.environ.get("HEARD_XLSFORM_CORPUS")
    folder = Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "xlsform-corpus"
    return folder if folder.is_dir() else None


def corpus_forms(folder: Path) -> list[Path]:
    """The manifest's forms in `folder`; a missing or changed file is an error, not a smaller corpus."""
    problems = []
    for relative, digest in MANIFEST.items():
        path = folder / relative
        if not path.is_file():
            problems.append(f"{relative} is missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{relative} differs from the manifest")
    if problems:
        raise AssertionError(f"the XLSForm corpus in {folder} is not the measured one: {'; '.join(problems)}")
    return [folder / relative for relative in MANIFEST]
