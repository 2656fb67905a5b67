def test_startup_page_renders(client, staff, startup):
    client.force_login(staff)
    response = client.get(startup.get_absolute_url())
    assert response.status_code == 200
    assert "Mon Service" in response.content.decode()
