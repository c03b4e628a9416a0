"""Error pages in production mode: Chinese, styled like the site, and they reveal nothing."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
def test_not_found_page_is_the_sites_own():
    response = Client().get("/no-such-page/")
    text = response.content.decode()
    assert response.status_code == 404
    assert "没有找到这个页面" in text and "返回首页" in text and 'lang="zh-Hans"' in text


@override_settings(DEBUG=False)
def test_server_error_page_is_static_and_chinese():
    from django.template.loader import render_to_string

    text = render_to_string("500.html")
    assert "系统暂时出了问题" in text and "12345" in text
