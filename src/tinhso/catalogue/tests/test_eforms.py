import pytest
from django.core.exceptions import ValidationError

from tinhso.catalogue import services
from tinhso.catalogue.eforms import schema_errors, validate_eform_data
from tinhso.catalogue.tests.factories import content

SCHEMA = {
    "type": "object",
    "title": "Tờ khai",
    "required": ["ho_ten", "ngay_sinh"],
    "properties": {
        "ho_ten": {"type": "string", "title": "Họ và tên", "maxLength": 10},
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh"},
        "gioi_tinh": {"type": "string", "enum": ["Nam", "Nữ"], "title": "Giới tính"},
        "so_con": {"type": "integer", "minimum": 0, "maximum": 20, "title": "Số con"},
        "dien_tich": {"type": "number", "minimum": 0.5},
        "dong_y": {"type": "boolean", "title": "Đồng ý"},
    },
}


def test_a_schema_in_the_supported_subset_has_no_errors():
    assert schema_errors(SCHEMA) == []


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ([], "phải là một đối tượng JSON"),
        ({"type": "array", "properties": {"a": {"type": "string"}}}, '"type": "object"'),
        ({"type": "object", "properties": {}}, "ít nhất một trường"),
        ({"type": "object", "properties": {"a": {"type": "array"}}}, "kiểu phải là một trong"),
        ({"type": "object", "properties": {"a": {"type": "string", "pattern": "x"}}}, "khóa “pattern” không được"),
        ({"type": "object", "properties": {"a": {"type": "string", "format": "email"}}}, "định dạng chỉ hỗ trợ"),
        ({"type": "object", "properties": {"a": {"type": "integer", "enum": ["x"]}}}, "“enum” phải là danh sách"),
        ({"type": "object", "properties": {"a": {"type": "number", "minimum": 5, "maximum": 1}}}, "không được lớn hơn"),
        ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]}, "không có trong"),
        ({"type": "object", "properties": {"Họ tên": {"type": "string"}}}, "Tên trường"),
        ({"type": "object", "properties": {"a": {"type": "string", "maxLength": 0}}}, "số nguyên dương"),
    ],
)
def test_schema_errors_say_what_is_wrong_in_vietnamese(schema, message):
    assert any(message in error for error in schema_errors(schema)), schema_errors(schema)


@pytest.mark.django_db
def test_the_schema_is_validated_when_a_draft_is_saved():
    with pytest.raises(ValidationError) as caught:
        services.create_draft("1.000010", content(eform_schema={"type": "object", "properties": {"a": {}}}))
    assert "eform_schema" in caught.value.message_dict


def test_valid_data_has_no_errors():
    data = {"ho_ten": "Nguyễn An", "ngay_sinh": "2026-01-31", "gioi_tinh": "Nữ", "so_con": 2, "dien_tich": 1.5,
            "dong_y": True}
    assert validate_eform_data(SCHEMA, data) == {}


def test_data_errors_are_one_vietnamese_message_per_field():
    data = {
        "ho_ten": "Nguyễn Văn Thành Công", "gioi_tinh": "Khác", "so_con": 2.5, "dien_tich": 0.1,
        "dong_y": "có", "ghi_chu": "x",
    }
    assert validate_eform_data(SCHEMA, data) == {
        "ngay_sinh": "Vui lòng nhập “Ngày sinh”.",
        "ho_ten": "“Họ và tên” dài tối đa 10 ký tự.",
        "gioi_tinh": "“Giới tính” phải là một trong các giá trị: Nam, Nữ.",
        "so_con": "“Số con” phải là số nguyên.",
        "dien_tich": "“dien_tich” không được nhỏ hơn 0.5.",
        "dong_y": "“Đồng ý” phải là có/không.",
        "ghi_chu": "Trường “ghi_chu” không có trong tờ khai.",
    }


def test_dates_must_be_real_iso_dates_and_numbers_respect_the_maximum():
    errors = validate_eform_data(SCHEMA, {"ho_ten": "An", "ngay_sinh": "31/01/2026", "so_con": 21})
    assert errors == {
        "ngay_sinh": "“Ngày sinh” phải là ngày hợp lệ dạng YYYY-MM-DD.",
        "so_con": "“Số con” không được lớn hơn 20.",
    }
    assert validate_eform_data(SCHEMA, {"ho_ten": "An", "ngay_sinh": "2026-02-30"})["ngay_sinh"].startswith("“Ngày")


def test_true_is_not_a_number_and_the_data_must_be_an_object():
    assert validate_eform_data(SCHEMA, {"ho_ten": "An", "ngay_sinh": "2026-01-01", "so_con": True}) == {
        "so_con": "“Số con” phải là số nguyên.",
    }
    assert validate_eform_data(SCHEMA, ["x"]) == {"__all__": "Dữ liệu tờ khai phải là một đối tượng JSON."}
